//! A framing layer in front of tower-lsp-server.
//!
//! tower-lsp-server 0.23 reads stdin through tokio-util's `FramedRead`, which ends its stream at
//! the first body that does not decode, and the session ends with it. This layer reads the
//! `Content-Length` frames itself, answers a body that is not JSON with `-32700` and one that is
//! not a JSON-RPC message with `-32600`, and passes every valid message through. Output of the
//! server and of this layer goes through one writer, one whole frame at a time, so the two
//! never interleave.

use serde_json::{Value, json};
use tokio::io::{
    AsyncBufRead, AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt,
};
use tokio::sync::mpsc;

/// A body larger than this is refused rather than buffered (a 50 MB log opened in an editor
/// fits comfortably).
pub const MAX_BODY: usize = 512 * 1024 * 1024;

#[derive(Debug)]
pub enum FrameError {
    /// The stream ended cleanly between frames.
    Eof,
    Io(std::io::Error),
    /// The header block was unusable; the reader has skipped past it.
    BadHeader(String),
}

/// The longest header line kept; a longer one is garbage, read on in pieces.
const MAX_HEADER_LINE: u64 = 64 * 1024;

/// Reads `Content-Length` frames, resynchronising after a broken one: a header without a
/// usable length (missing, negative, not a number, too large), or without the blank line that
/// ends it, is reported as [`FrameError::BadHeader`], and reading resumes at the next
/// `Content-Length:` header even when it follows the broken frame's body on the same line.
/// Header names are case-insensitive; `Content-Type` is ignored.
pub struct FrameReader<R> {
    reader: R,
    /// A line that starts the next frame's header, found while reading a broken one.
    pending: Option<Vec<u8>>,
}

/// Where a `Content-Length` header starts in `line`, ignoring case.
fn header_start(line: &[u8]) -> Option<usize> {
    const NAME: &[u8] = b"content-length";
    line.windows(NAME.len())
        .position(|w| w.eq_ignore_ascii_case(NAME))
}

impl<R: AsyncBufRead + Unpin> FrameReader<R> {
    pub fn new(reader: R) -> FrameReader<R> {
        FrameReader {
            reader,
            pending: None,
        }
    }

    async fn line(&mut self, line: &mut Vec<u8>) -> Result<usize, FrameError> {
        line.clear();
        if let Some(p) = self.pending.take() {
            *line = p;
            return Ok(line.len());
        }
        (&mut self.reader)
            .take(MAX_HEADER_LINE)
            .read_until(b'\n', line)
            .await
            .map_err(FrameError::Io)
    }

    /// Reads one frame's body.
    pub async fn next(&mut self) -> Result<Vec<u8>, FrameError> {
        let mut content_length: Option<Result<usize, String>> = None;
        let mut saw_header = false;
        let mut line = Vec::new();
        loop {
            let n = self.line(&mut line).await?;
            if n == 0 {
                return Err(if saw_header {
                    FrameError::BadHeader("stream ended inside a header".into())
                } else {
                    FrameError::Eof
                });
            }
            // A header inside this line, after other bytes: the rest of a broken frame
            // (its body, garbage) ends here and the next frame starts.
            if let Some(at) = header_start(&line).filter(|&at| at > 0) {
                let rest = line.split_off(at);
                if saw_header {
                    self.pending = Some(rest);
                    return Err(FrameError::BadHeader(
                        "header not ended by a blank line".into(),
                    ));
                }
                line = rest;
            }
            let text = String::from_utf8_lossy(&line);
            let text = text.trim_end_matches(['\r', '\n']);
            if text.is_empty() {
                if !saw_header {
                    continue; // stray blank line between frames
                }
                break;
            }
            saw_header = true;
            if let Some((name, value)) = text.split_once(':') {
                if name.trim().eq_ignore_ascii_case("content-length") {
                    let value = value.trim();
                    content_length = Some(
                        value
                            .parse()
                            .map_err(|_| format!("invalid Content-Length {value:?}")),
                    );
                }
            }
        }
        let len = match content_length {
            Some(Ok(len)) => len,
            Some(Err(reason)) => return Err(FrameError::BadHeader(reason)),
            None => return Err(FrameError::BadHeader("missing Content-Length".into())),
        };
        if len > MAX_BODY {
            // Drain the body so the next frame starts where it should.
            let mut sink = tokio::io::sink();
            tokio::io::copy(&mut (&mut self.reader).take(len as u64), &mut sink)
                .await
                .map_err(FrameError::Io)?;
            return Err(FrameError::BadHeader(format!(
                "message of {len} bytes exceeds the {MAX_BODY}-byte limit"
            )));
        }
        let mut body = vec![0u8; len];
        self.reader
            .read_exact(&mut body)
            .await
            .map_err(FrameError::Io)?;
        Ok(body)
    }
}

pub fn frame(body: &[u8]) -> Vec<u8> {
    let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    out.extend_from_slice(body);
    out
}

/// What to do with one incoming body.
#[derive(Debug, PartialEq)]
pub enum Verdict {
    /// A valid message; `exit` says it is the `exit` notification.
    Pass {
        exit: bool,
    },
    Reject(Value),
}

/// Accepts a JSON-RPC 2.0 request, notification or response; anything else gets the error
/// response JSON-RPC prescribes.
pub fn check(body: &[u8]) -> Verdict {
    let value: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => {
            return Verdict::Reject(error_response(
                Value::Null,
                -32700,
                &format!("Parse error: {e}"),
            ));
        }
    };
    let id = value.get("id").cloned().unwrap_or(Value::Null);
    // The LSP library reads an id as an integer or a string; any other number (`1.5`, `1e3`,
    // beyond i64) would end its input stream, and with it the session.
    let valid_id = match &id {
        Value::Null | Value::String(_) => true,
        Value::Number(n) => n.as_i64().is_some(),
        _ => false,
    };
    let Some(obj) = value.as_object() else {
        return Verdict::Reject(error_response(
            Value::Null,
            -32600,
            "Invalid Request: not a JSON object",
        ));
    };
    if obj.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        let id = if valid_id { id } else { Value::Null };
        return Verdict::Reject(error_response(
            id,
            -32600,
            "Invalid Request: \"jsonrpc\" must be \"2.0\"",
        ));
    }
    if !valid_id {
        return Verdict::Reject(error_response(
            Value::Null,
            -32600,
            "Invalid Request: bad \"id\"",
        ));
    }
    match obj.get("method") {
        Some(Value::String(method)) => {
            // JSON-RPC wants structured params, but `"params": null` is common and harmless.
            let params_ok = matches!(
                obj.get("params"),
                None | Some(Value::Null) | Some(Value::Object(_)) | Some(Value::Array(_))
            );
            if params_ok {
                Verdict::Pass {
                    exit: method == "exit",
                }
            } else {
                Verdict::Reject(error_response(
                    id,
                    -32600,
                    "Invalid Request: \"params\" must be an object or array",
                ))
            }
        }
        Some(_) => Verdict::Reject(error_response(
            id,
            -32600,
            "Invalid Request: \"method\" must be a string",
        )),
        None if obj.contains_key("result") || obj.contains_key("error") => {
            Verdict::Pass { exit: false }
        }
        None => Verdict::Reject(error_response(id, -32600, "Invalid Request: no \"method\"")),
    }
}

fn error_response(id: Value, code: i64, message: &str) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}})
}

/// Copies frames from `input` to `to_server`, answering bad ones on `rejects`. Returns when the
/// input ends or fails; dropping `to_server` then tells the server the client is gone.
pub async fn pump_input<R, W>(
    input: R,
    mut to_server: W,
    rejects: mpsc::UnboundedSender<Vec<u8>>,
    exit_seen: std::sync::Arc<std::sync::atomic::AtomicBool>,
) where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let mut reader = FrameReader::new(tokio::io::BufReader::with_capacity(64 * 1024, input));
    loop {
        match reader.next().await {
            Ok(body) => match check(&body) {
                Verdict::Pass { exit } => {
                    if exit {
                        exit_seen.store(true, std::sync::atomic::Ordering::SeqCst);
                    }
                    if to_server.write_all(&frame(&body)).await.is_err() {
                        return; // the server has stopped reading: it exited
                    }
                }
                Verdict::Reject(response) => {
                    tracing::warn!(
                        "rejected an incoming message: {}",
                        response["error"]["message"]
                    );
                    let _ = rejects.send(serde_json::to_vec(&response).unwrap_or_default());
                }
            },
            Err(FrameError::BadHeader(reason)) => {
                tracing::warn!("skipped a malformed frame: {reason}");
                let response =
                    error_response(Value::Null, -32700, &format!("Parse error: {reason}"));
                let _ = rejects.send(serde_json::to_vec(&response).unwrap_or_default());
            }
            Err(FrameError::Eof) => return,
            Err(FrameError::Io(e)) => {
                tracing::error!("reading client input failed: {e}");
                return;
            }
        }
    }
}

/// Writes whole frames from the server's output and from `rejects` (bodies written beside the
/// server: answers to bad input, published diagnostics) to `output`, flushing each.
/// Returns when the server's output has ended.
pub async fn pump_output<R, W>(
    from_server: R,
    mut output: W,
    mut rejects: mpsc::UnboundedReceiver<Vec<u8>>,
) where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let mut reader = FrameReader::new(tokio::io::BufReader::with_capacity(64 * 1024, from_server));
    let mut rejects_open = true;
    loop {
        let body = tokio::select! {
            biased;
            frame = reader.next() => match frame {
                Ok(body) => body,
                Err(FrameError::BadHeader(reason)) => {
                    tracing::error!("server produced a malformed frame: {reason}");
                    continue;
                }
                Err(_) => break,
            },
            reject = rejects.recv(), if rejects_open => match reject {
                Some(body) => body,
                None => { rejects_open = false; continue; }
            },
        };
        if output.write_all(&frame(&body)).await.is_err() || output.flush().await.is_err() {
            tracing::error!("writing to the client failed; stopping");
            break;
        }
    }
    // Anything rejected after the server finished still gets its answer.
    while let Ok(body) = rejects.try_recv() {
        let _ = output.write_all(&frame(&body)).await;
    }
    let _ = output.flush().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_that_is_not_json_is_a_parse_error_with_null_id() {
        let Verdict::Reject(r) = check(b"{not json") else {
            panic!()
        };
        assert_eq!(r["error"]["code"], -32700);
        assert_eq!(r["id"], Value::Null);
    }

    #[test]
    fn json_that_is_not_jsonrpc_is_an_invalid_request_keeping_the_id() {
        let Verdict::Reject(r) = check(br#"{"id":7,"method":"x"}"#) else {
            panic!()
        };
        assert_eq!(r["error"]["code"], -32600);
        assert_eq!(r["id"], 7);
    }

    #[test]
    fn requests_notifications_and_responses_pass() {
        assert_eq!(
            check(br#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}"#),
            Verdict::Pass { exit: false }
        );
        assert_eq!(
            check(br#"{"jsonrpc":"2.0","method":"exit"}"#),
            Verdict::Pass { exit: true }
        );
        assert_eq!(
            check(br#"{"jsonrpc":"2.0","id":"a","result":null}"#),
            Verdict::Pass { exit: false }
        );
    }

    #[tokio::test]
    async fn frames_are_read_back_to_back_with_case_insensitive_headers() {
        let input =
            b"content-length: 2\r\nContent-Type: x\r\n\r\n{}Content-Length: 4\r\n\r\nnull".to_vec();
        let mut r = FrameReader::new(&input[..]);
        assert_eq!(r.next().await.unwrap(), b"{}");
        assert_eq!(r.next().await.unwrap(), b"null");
        assert!(matches!(r.next().await, Err(FrameError::Eof)));
    }

    #[tokio::test]
    async fn a_header_without_length_is_skipped_and_reading_continues() {
        let input = b"X: 1\r\n\r\nContent-Length: 2\r\n\r\n{}".to_vec();
        let mut r = FrameReader::new(&input[..]);
        assert!(matches!(r.next().await, Err(FrameError::BadHeader(_))));
        assert_eq!(r.next().await.unwrap(), b"{}");
    }

    /// Reads every frame of `input`: bodies, and `!` for each broken frame.
    async fn frames(input: &[u8]) -> Vec<String> {
        let mut r = FrameReader::new(input);
        let mut out = Vec::new();
        loop {
            match r.next().await {
                Ok(body) => out.push(String::from_utf8_lossy(&body).into_owned()),
                Err(FrameError::BadHeader(_)) => out.push("!".into()),
                Err(_) => return out,
            }
        }
    }

    #[tokio::test]
    async fn after_any_broken_header_the_next_frame_is_read() {
        let next = "Content-Length: 2\r\n\r\n{}";
        for broken in [
            "X-Other: 1\r\n\r\n{\"jsonrpc\":\"2.0\",\"method\":\"a\"}",
            "Content-Length: -5\r\n\r\n{\"jsonrpc\":\"2.0\"}",
            "Content-Length: ten\r\n\r\n{\"jsonrpc\":\"2.0\"}",
            "Content-Length: 99999999999999999999999\r\n\r\n{}",
            "Content-Length: 5\r\n{\"a\":1}",
            "\u{0}\u{1}binary\u{7f}garbage",
            "{\n  \"pretty\": true\n}",
        ] {
            let input = format!("{broken}{next}{next}");
            let got = frames(input.as_bytes()).await;
            assert_eq!(
                got.iter().filter(|f| *f == "{}").count(),
                2,
                "{broken:?}: {got:?}"
            );
            assert_eq!(
                got.last().map(String::as_str),
                Some("{}"),
                "{broken:?}: {got:?}"
            );
        }
    }

    #[test]
    fn an_id_the_library_cannot_read_is_rejected_not_passed_on() {
        for id in ["1.5", "1e3", "18446744073709551615", "true", "[1]", "{}"] {
            let body = format!(r#"{{"jsonrpc":"2.0","id":{id},"method":"hover","params":{{}}}}"#);
            let Verdict::Reject(r) = check(body.as_bytes()) else {
                panic!("{id} passed")
            };
            assert_eq!(r["error"]["code"], -32600, "{id}");
        }
        assert_eq!(
            check(br#"{"jsonrpc":"2.0","id":-7,"method":"hover","params":{}}"#),
            Verdict::Pass { exit: false }
        );
    }
}
