//! Files that prove something: a rectification's evidence, a test report. A file is taken
//! for what its bytes are, never for its name or the type the browser claims: a PDF or an
//! image the office can open, whole, and at most [`MAX_FILE`] bytes.

use crate::messages::Msg;
use crate::msg;

/// The largest file taken.
pub const MAX_FILE: usize = 10 * 1024 * 1024;

/// The kinds of file taken as evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileType {
    Pdf,
    Png,
    Jpeg,
    Webp,
}

impl FileType {
    pub fn mime(self) -> &'static str {
        match self {
            FileType::Pdf => "application/pdf",
            FileType::Png => "image/png",
            FileType::Jpeg => "image/jpeg",
            FileType::Webp => "image/webp",
        }
    }

    pub fn from_mime(mime: &str) -> Option<FileType> {
        [FileType::Pdf, FileType::Png, FileType::Jpeg, FileType::Webp].into_iter().find(|t| t.mime() == mime)
    }

    pub fn extension(self) -> &'static str {
        match self {
            FileType::Pdf => "pdf",
            FileType::Png => "png",
            FileType::Jpeg => "jpg",
            FileType::Webp => "webp",
        }
    }

    /// Whether the file reaches its format's end marker: a cut-off upload is refused, not
    /// stored as evidence nobody can open.
    fn is_whole(self, bytes: &[u8]) -> bool {
        let tail = &bytes[bytes.len().saturating_sub(1024)..];
        match self {
            // A PDF ends with %%EOF, followed by at most a line end or some padding.
            FileType::Pdf => tail.windows(5).any(|w| w == b"%%EOF"),
            // A PNG's last chunk is IEND with its CRC.
            FileType::Png => bytes.len() >= 12 && &bytes[bytes.len() - 8..bytes.len() - 4] == b"IEND",
            // A JPEG ends with the end-of-image marker (some writers pad after it).
            FileType::Jpeg => tail.windows(2).any(|w| w == [0xFF, 0xD9]),
            // RIFF states the file's length after its first eight bytes.
            FileType::Webp => {
                bytes.len() >= 12
                    && u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]) as usize + 8 <= bytes.len()
            }
        }
    }
}

/// What a file is, judged by its content; or why it is refused.
pub fn check_file(bytes: &[u8]) -> Result<FileType, Msg> {
    if bytes.is_empty() {
        return Err(msg!("evidence_empty"));
    }
    if bytes.len() > MAX_FILE {
        return Err(msg!("evidence_too_large", MAX_FILE / 1024 / 1024));
    }
    let kind = infer::get(bytes).and_then(|t| FileType::from_mime(t.mime_type())).ok_or(msg!("evidence_type"))?;
    if !kind.is_whole(bytes) {
        return Err(msg!("evidence_truncated"));
    }
    Ok(kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The smallest PNG: a 1×1 image.
    const PNG: &[u8] = &[
        0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, b'I', b'H', b'D', b'R', 0, 0, 0, 1, 0, 0, 0, 1,
        8, 6, 0, 0, 0, 0x1F, 0x15, 0xC4, 0x89, 0, 0, 0, 0x0A, b'I', b'D', b'A', b'T', 0x78, 0x9C, 0x63, 0, 1, 0, 0, 5,
        0, 1, 0x0D, 0x0A, 0x2D, 0xB4, 0, 0, 0, 0, b'I', b'E', b'N', b'D', 0xAE, 0x42, 0x60, 0x82,
    ];

    #[test]
    fn a_file_is_what_its_bytes_are_not_what_it_is_called() {
        let pdf = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";
        assert_eq!(check_file(pdf), Ok(FileType::Pdf));
        assert_eq!(check_file(PNG), Ok(FileType::Png));
        assert_eq!(
            check_file(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F', b'I', b'F', 0, 0xFF, 0xD9]),
            Ok(FileType::Jpeg)
        );
        assert_eq!(check_file(b"MZ\x90\0 an executable").unwrap_err().key, "evidence_type");
        assert_eq!(check_file(b"<html><script>alert(1)</script>").unwrap_err().key, "evidence_type");
        assert_eq!(check_file(&pdf[..30]).unwrap_err().key, "evidence_truncated");
        assert_eq!(check_file(&PNG[..40]).unwrap_err().key, "evidence_truncated");
        assert_eq!(check_file(b"").unwrap_err().key, "evidence_empty");
        let mut big = pdf.to_vec();
        big.resize(MAX_FILE + 1, b' ');
        assert_eq!(check_file(&big).unwrap_err().key, "evidence_too_large");
    }
}
