//! Files that prove something: a rectification's evidence, a test report. A file is taken
//! for what its bytes are, never for its name or the type the browser claims: a PDF or an
//! image the office can open, whole, and at most [`MAX_FILE`] bytes. A name or a declared
//! type that says otherwise is refused (a PNG sent as `报告.pdf`); nothing is ever
//! decompressed for the user, and no archive is taken.

use crate::messages::Msg;
use crate::msg;

/// The largest file taken.
pub const MAX_FILE: usize = 10 * 1024 * 1024;
/// The widest and tallest image taken, in pixels.
pub const MAX_SIDE: u32 = 10_000;

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

/// Whether an image's header states at most [`MAX_SIDE`] on each side, and its pixels then
/// decode. The header is read first and alone, so a small file claiming a huge image (an
/// image bomb) never reaches the decoder.
fn image_decodes(bytes: &[u8], kind: FileType) -> Result<(), Msg> {
    let format = match kind {
        FileType::Png => image::ImageFormat::Png,
        FileType::Jpeg => image::ImageFormat::Jpeg,
        FileType::Webp => image::ImageFormat::WebP,
        FileType::Pdf => return Ok(()),
    };
    let reader = || image::ImageReader::with_format(std::io::Cursor::new(bytes), format);
    let (w, h) = reader().into_dimensions().map_err(|_| msg!("evidence_undecodable"))?;
    if w > MAX_SIDE || h > MAX_SIDE {
        return Err(msg!("evidence_too_many_pixels", MAX_SIDE));
    }
    // The decoder holds to the same bounds, should the header have lied.
    let mut r = reader();
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    r.limits(limits);
    r.decode().map(|_| ()).map_err(|_| msg!("evidence_undecodable"))
}

/// The type a file's name or its sender declares, where it names one: an extension, or a
/// MIME type other than the generic `application/octet-stream`.
fn declared(name: &str, mime: Option<&str>) -> Vec<&'static str> {
    let mut out = vec![];
    if let Some(m) = mime.map(|m| m.split(';').next().unwrap_or("").trim().to_ascii_lowercase())
        && !m.is_empty()
        && m != "application/octet-stream"
    {
        out.push(match m.as_str() {
            "application/pdf" => "pdf",
            "image/png" => "png",
            "image/jpeg" | "image/jpg" | "image/pjpeg" => "jpg",
            "image/webp" => "webp",
            _ => "other",
        });
    }
    if let Some((_, ext)) = name.rsplit_once('.') {
        out.push(match ext.to_ascii_lowercase().as_str() {
            "pdf" => "pdf",
            "png" => "png",
            "jpg" | "jpeg" | "jpe" => "jpg",
            "webp" => "webp",
            _ => "other",
        });
    }
    out
}

/// What a file is, judged by its content; or why it is refused. `name` and `mime` are what
/// the sender called it: where they name a type, it must be the type the content is.
pub fn check_file(bytes: &[u8], name: &str, mime: Option<&str>) -> Result<FileType, Msg> {
    if bytes.is_empty() {
        return Err(msg!("evidence_empty"));
    }
    if bytes.len() > MAX_FILE {
        return Err(msg!("evidence_too_large", MAX_FILE / 1024 / 1024));
    }
    let kind = infer::get(bytes).and_then(|t| FileType::from_mime(t.mime_type())).ok_or(msg!("evidence_type"))?;
    if declared(name, mime).iter().any(|d| *d != kind.extension()) {
        return Err(msg!("evidence_declared", kind.extension()));
    }
    if !kind.is_whole(bytes) {
        return Err(msg!("evidence_truncated"));
    }
    image_decodes(bytes, kind)?;
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

    /// A PNG whose header claims `w` × `h` pixels, with one tiny compressed row: an image bomb
    /// when the numbers are large.
    fn png_claiming(w: u32, h: u32) -> Vec<u8> {
        let mut out = PNG[..16].to_vec();
        out.extend(w.to_be_bytes());
        out.extend(h.to_be_bytes());
        out.extend(&PNG[24..29]);
        // The header chunk's checksum, over its type and data, so the header reads as sound.
        let crc = crc32fast::hash(&out[12..29]);
        out.extend(crc.to_be_bytes());
        out.extend(&PNG[33..]);
        out
    }

    fn refused(bytes: &[u8], name: &str, mime: Option<&str>) -> &'static str {
        check_file(bytes, name, mime).unwrap_err().key
    }

    #[test]
    fn a_file_is_what_its_bytes_are_not_what_it_is_called() {
        let pdf = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";
        assert_eq!(check_file(pdf, "整改报告.pdf", Some("application/pdf")), Ok(FileType::Pdf));
        assert_eq!(check_file(pdf, "scan", None), Ok(FileType::Pdf), "no name says otherwise");
        assert_eq!(check_file(PNG, "现场.PNG", Some("application/octet-stream")), Ok(FileType::Png));
        assert_eq!(refused(b"MZ\x90\0\x03 an executable renamed", "整改报告.pdf", None), "evidence_type");
        assert_eq!(
            refused(b"<html><script>alert(1)</script></html>", "report.pdf", Some("application/pdf")),
            "evidence_type"
        );
        assert_eq!(refused(b"PK\x03\x04\x14\0\0\0 an archive", "证据.zip", None), "evidence_type");
        assert_eq!(refused(PNG, "整改报告.pdf", None), "evidence_declared", "a PNG named as a PDF");
        assert_eq!(refused(pdf, "photo.jpg", None), "evidence_declared");
        assert_eq!(refused(pdf, "report.pdf", Some("image/png")), "evidence_declared");
        assert_eq!(refused(pdf, "report.exe", None), "evidence_declared");
        assert_eq!(refused(&pdf[..30], "a.pdf", None), "evidence_truncated");
        assert_eq!(refused(&PNG[..40], "a.png", None), "evidence_truncated");
        assert_eq!(refused(b"", "a.pdf", None), "evidence_empty");
        let mut big = pdf.to_vec();
        big.resize(MAX_FILE + 1, b' ');
        assert_eq!(refused(&big, "a.pdf", None), "evidence_too_large");
    }

    #[test]
    fn an_image_must_decode_and_an_image_bomb_is_refused_before_decoding() {
        assert_eq!(check_file(&png_claiming(1, 1), "a.png", None), Ok(FileType::Png));
        let bomb = png_claiming(100_000, 100_000);
        assert!(bomb.len() < 100, "a bomb is small");
        assert_eq!(refused(&bomb, "a.png", None), "evidence_too_many_pixels");
        assert_eq!(refused(&png_claiming(10_001, 1), "a.png", None), "evidence_too_many_pixels");
        // A JPEG with its markers but no picture inside does not decode.
        let hollow =
            [0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F', b'I', b'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 0xFF, 0xD9];
        assert_eq!(refused(&hollow, "a.jpg", None), "evidence_undecodable");
    }
}
