//! Random incremental edits through the real didChange path: after every step the server's
//! document equals a plain `String` edited the same way. Positions are computed here,
//! independently of the server's line index, in the negotiated encoding.

use crate::common;

use common::TestServer;
use proptest::prelude::*;
use serde_json::json;

#[derive(Debug, Clone, Copy)]
enum Enc {
    Utf8,
    Utf16,
    Utf32,
}

/// Char-boundary offsets where an edit may start or end: not between `\r` and `\n` (a CRLF
/// is one line break, with no position inside it).
fn boundaries(s: &str) -> Vec<usize> {
    let bytes = s.as_bytes();
    (0..=s.len())
        .filter(|&i| s.is_char_boundary(i))
        .filter(|&i| !(i > 0 && i < bytes.len() && bytes[i - 1] == b'\r' && bytes[i] == b'\n'))
        .collect()
}

fn position(s: &str, offset: usize, enc: Enc) -> (u32, u32) {
    let before = &s[..offset];
    let mut line = 0;
    let mut line_start = 0;
    let b = before.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\n' => {
                line += 1;
                line_start = i + 1;
            }
            b'\r' if b.get(i + 1) != Some(&b'\n') => {
                line += 1;
                line_start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    let seg = &before[line_start..];
    let col = match enc {
        Enc::Utf8 => seg.len(),
        Enc::Utf16 => seg.encode_utf16().count(),
        Enc::Utf32 => seg.chars().count(),
    };
    (line, col as u32)
}

fn piece() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop::sample::select(vec![
            "a", "b", " ", "é", "😀", "中", "\n", "\r\n", "\r", "\t", "xyz",
        ]),
        0..6,
    )
    .prop_map(|v| v.concat())
}

fn enc_strategy() -> impl Strategy<Value = Enc> {
    prop::sample::select(vec![Enc::Utf8, Enc::Utf16, Enc::Utf32])
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn random_incremental_edits_keep_the_server_document_equal_to_a_reference_string(
        enc in enc_strategy(),
        initial in prop::collection::vec(piece(), 0..8).prop_map(|v| v.concat()),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<prop::sample::Index>(), piece()), 1..25),
    ) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async move {
            let name = match enc { Enc::Utf8 => "utf-8", Enc::Utf16 => "utf-16", Enc::Utf32 => "utf-32" };
            let mut s = TestServer::builder()
                .capabilities(json!({"general": {"positionEncodings": [name]}}))
                .start()
                .await;
            assert_eq!(s.initialize_result["capabilities"]["positionEncoding"], name);
            let uri = "untitled:prop";
            let mut reference = initial.clone();
            s.open(uri, "plaintext", &reference).await;
            for (a, b, text) in edits {
                let bounds = boundaries(&reference);
                let (x, y) = (bounds[a.index(bounds.len())], bounds[b.index(bounds.len())]);
                let (start, end) = (x.min(y), x.max(y));
                let (l1, c1) = position(&reference, start, enc);
                let (l2, c2) = position(&reference, end, enc);
                s.change(uri, json!([{"range": common::range(l1, c1, l2, c2), "text": text}])).await;
                reference.replace_range(start..end, &text);
                let got = s.text_of(uri).await;
                assert_eq!(got["text"].as_str().unwrap(), reference, "after editing {start}..{end} ({l1}:{c1}-{l2}:{c2})");
            }
            s.shutdown_and_exit().await;
        });
    }
}
