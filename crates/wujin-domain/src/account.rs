//! People who sign in: how a login (email or mobile number), a display name and a password
//! are checked before anything is stored. Bounds on every field: these come from strangers.

use crate::{FieldError, msg};

pub const MIN_PASSWORD: usize = 8;
pub const MAX_PASSWORD: usize = 128;
pub const MAX_NAME: usize = 50;
pub const MAX_EMAIL: usize = 254;

/// What a person signs in with, normalised: an email lower-cased, a mobile number as its
/// eleven digits. Two spellings of the same address are one account.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Login(String);

impl Login {
    pub fn parse(raw: &str) -> Result<Login, FieldError> {
        let s = crate::text::fold(raw.trim());
        if s.contains('@') {
            let email = s.to_lowercase();
            let ok = email.chars().count() <= MAX_EMAIL
                && !email.chars().any(char::is_whitespace)
                && email.split_once('@').is_some_and(|(local, domain)| {
                    !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.')
                })
                && email.matches('@').count() == 1;
            return if ok {
                Ok(Login(email))
            } else {
                Err(FieldError::new("login", raw, "invalid_email", msg!("login_email")))
            };
        }
        let digits: String = s.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        let digits = digits.strip_prefix("+86").unwrap_or(&digits).to_string();
        if digits.len() == 11 && digits.starts_with('1') && digits.chars().all(|c| c.is_ascii_digit()) {
            Ok(Login(digits))
        } else {
            Err(FieldError::new("login", raw, "invalid_login", msg!("login_invalid")))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password a person may choose: long enough to resist guessing, short enough to hash.
pub fn check_password(p: &str) -> Result<(), FieldError> {
    let n = p.chars().count();
    if n < MIN_PASSWORD {
        return Err(FieldError::new("password", "", "too_short", msg!("password_short", MIN_PASSWORD)));
    }
    if n > MAX_PASSWORD {
        return Err(FieldError::new("password", "", "too_long", msg!("password_long", MAX_PASSWORD)));
    }
    Ok(())
}

/// The name shown for a person: trimmed, 1 to 50 characters.
pub fn check_name(raw: &str) -> Result<String, FieldError> {
    let name = raw.trim();
    let n = name.chars().count();
    if n == 0 || n > MAX_NAME {
        return Err(FieldError::new(
            "name",
            raw,
            if n == 0 { "required" } else { "too_long" },
            msg!("person_name_length", MAX_NAME),
        ));
    }
    Ok(name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logins_are_normalised_and_checked() {
        assert_eq!(Login::parse(" Wang.Li@Example.CN ").unwrap().as_str(), "wang.li@example.cn");
        assert_eq!(Login::parse("138-5791-2345").unwrap().as_str(), "13857912345");
        assert_eq!(Login::parse("+86 138 5791 2345").unwrap().as_str(), "13857912345");
        assert_eq!(Login::parse("１３８５７９１２３４５").unwrap().as_str(), "13857912345");
        for bad in ["", "wang@", "@example.cn", "a@b", "a@@b.cn", "a b@c.cn", "2385791234", "1385791234x"] {
            assert_eq!(Login::parse(bad).unwrap_err().field, "login", "{bad}");
        }
        assert!(Login::parse(&format!("{}@example.cn", "a".repeat(300))).is_err());
    }

    #[test]
    fn passwords_and_names_have_bounds() {
        assert!(check_password("correct horse").is_ok());
        assert_eq!(check_password("short").unwrap_err().code, "too_short");
        assert_eq!(check_password(&"x".repeat(129)).unwrap_err().code, "too_long");
        assert_eq!(check_name("  王丽 ").unwrap(), "王丽");
        assert_eq!(check_name("   ").unwrap_err().code, "required");
        assert_eq!(check_name(&"名".repeat(51)).unwrap_err().code, "too_long");
    }
}

/// What a person may do for an organisation. An owner invites and removes people and may
/// hand on ownership; an admin acts for the organisation (posts demands, answers them,
/// awards); a member prepares drafts and reads what the organisation sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Owner,
    Admin,
    Member,
}

impl Role {
    pub fn code(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Member => "member",
        }
    }

    pub fn from_code(code: &str) -> Option<Role> {
        match code {
            "owner" => Some(Role::Owner),
            "admin" => Some(Role::Admin),
            "member" => Some(Role::Member),
            _ => None,
        }
    }

    /// Commits the organisation: publishes, responds, awards, rates.
    pub fn may_act(self) -> bool {
        matches!(self, Role::Owner | Role::Admin)
    }

    /// Changes who belongs to the organisation.
    pub fn may_manage_people(self) -> bool {
        self == Role::Owner
    }
}

#[cfg(test)]
mod role_tests {
    use super::*;

    #[test]
    fn roles_round_trip_and_rank() {
        for r in [Role::Owner, Role::Admin, Role::Member] {
            assert_eq!(Role::from_code(r.code()), Some(r));
        }
        assert_eq!(Role::from_code("king"), None);
        assert!(Role::Owner.may_manage_people() && !Role::Admin.may_manage_people());
        assert!(Role::Admin.may_act() && !Role::Member.may_act());
    }
}
