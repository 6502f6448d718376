//! Organisations: the cluster's makers, service providers, institutes, lenders and public
//! bodies, each keyed by its credit code.

use serde::{Deserialize, Serialize};

use crate::certificate::HeldCertificate;
use crate::uscc::Uscc;

/// What kind of organisation this is; it decides which offers and roles make sense.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    Manufacturer,
    ServiceProvider,
    ResearchInstitute,
    Finance,
    PublicBody,
    /// A department of the local government (经信局, 市场监管局 …): its members are officers of
    /// the pilot office, and it can be the responsible unit of a pilot task or a problem, so
    /// it has an inbox like any firm.
    Government,
}

impl OrgKind {
    pub const ALL: [OrgKind; 6] = [
        OrgKind::Manufacturer,
        OrgKind::ServiceProvider,
        OrgKind::ResearchInstitute,
        OrgKind::Finance,
        OrgKind::PublicBody,
        OrgKind::Government,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::Manufacturer => "manufacturer",
            Self::ServiceProvider => "service_provider",
            Self::ResearchInstitute => "research_institute",
            Self::Finance => "finance",
            Self::PublicBody => "public_body",
            Self::Government => "government",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }
}

/// Size class in the sense of the national SME classification (大型 中型 小型 微型).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SizeClass {
    Large,
    Medium,
    Small,
    Micro,
}

impl SizeClass {
    pub const ALL: [SizeClass; 4] = [SizeClass::Large, SizeClass::Medium, SizeClass::Small, SizeClass::Micro];

    pub fn code(self) -> &'static str {
        match self {
            Self::Large => "large",
            Self::Medium => "medium",
            Self::Small => "small",
            Self::Micro => "micro",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
}

/// An organisation as it may be stored: every field already checked against the taxonomy
/// and the limits. Build one with [`crate::sheet::org_from_cells`] or by hand in tests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgRecord {
    pub uscc: Uscc,
    pub name: String,
    pub name_en: Option<String>,
    pub kind: OrgKind,
    /// Town code (330784xxx).
    pub town: Option<String>,
    /// GB/T 4754 class codes (C3382 …).
    pub sectors: Vec<String>,
    /// Chain stages (materials, parts, processes, products, channels, services).
    pub chain: Vec<String>,
    pub size_class: Option<SizeClass>,
    pub founded_year: Option<i32>,
    pub employees: Option<i64>,
    pub revenue_band: Option<String>,
    /// Certificates held (ISO 9001, CCC …), with their numbers, issuers and last days where
    /// known; one per code.
    pub certificates: Vec<HeldCertificate>,
    pub contact: Contact,
}
