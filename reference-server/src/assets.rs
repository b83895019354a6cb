//! Static content served as resources: the README text and a small PNG logo.

/// URI of the README resource.
pub(crate) const README_URI: &str = "mcp://reference/readme";
/// URI of the logo resource.
pub(crate) const LOGO_URI: &str = "mcp://reference/logo.png";

/// The README (Markdown).
pub(crate) const README: &str = "# MCP reference server\n\n\
This server is bundled with mcpcheck. It implements the Model Context Protocol revisions \
2025-03-26, 2025-06-18 and 2025-11-25 over Streamable HTTP and stdio.\n\n\
## Features\n\n\
- Tools: calculator, weather, search, item CRUD, echo, slow (progress and cancellation), \
toggle_beta_tool (list changes).\n\
- Resources: this README, a logo, the item store and one template per item.\n\
- Prompts: greeting, code_review, summarize_readme.\n\
- Completion, logging, pagination and subscriptions.\n\n\
Fault switches (`--fault NAME`) each break one rule of the specification.\n";

/// A 1x1 transparent PNG (signature, IHDR, IDAT, IEND; CRCs verified by a test).
pub(crate) const LOGO_PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0xDA, 0x63, 0x64, 0x60, 0xF8, 0x5F,
    0x0F, 0x00, 0x02, 0x87, 0x01, 0x80, 0xEB, 0x47, 0xBA, 0x92, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
];

#[cfg(test)]
mod tests {
    use super::*;

    fn crc32(data: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for &b in data {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 != 0 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    #[test]
    fn logo_is_a_well_formed_png() {
        assert_eq!(&LOGO_PNG[..8], b"\x89PNG\r\n\x1a\n");
        let mut rest = &LOGO_PNG[8..];
        let mut kinds = Vec::new();
        while !rest.is_empty() {
            let len = u32::from_be_bytes(rest[..4].try_into().unwrap()) as usize;
            let body = &rest[4..8 + len];
            let crc = u32::from_be_bytes(rest[8 + len..12 + len].try_into().unwrap());
            assert_eq!(
                crc32(body),
                crc,
                "chunk {:?}",
                std::str::from_utf8(&body[..4])
            );
            kinds.push(String::from_utf8(body[..4].to_vec()).unwrap());
            rest = &rest[12 + len..];
        }
        assert_eq!(kinds, ["IHDR", "IDAT", "IEND"]);
    }
}
