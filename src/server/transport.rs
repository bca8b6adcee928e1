//! A guard in front of tower-lsp-server's reader.
//!
//! tower-lsp-server decodes stdin with tokio-util's `FramedRead`, which ends the stream after the
//! first message it cannot decode: one malformed message from a client and the server would stop
//! reading for good. So djsec reads the `Content-Length` frames itself, checks that each body is a
//! JSON-RPC request, notification or response, logs and drops those that are not, and forwards
//! the rest through an in-memory pipe.
//!
//! A frame whose `Content-Length` lies costs at most the next frame: the reader resynchronises on
//! a `Content-Length` header even when it is glued to the end of a garbage line (what is left of
//! a body that was longer than announced). A length above [`MAX_BODY`] is not waited for: its
//! bytes are read as garbage lines until the next header.

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tower_lsp_server::jsonrpc::{Request, Response};

/// The largest message body accepted (a 20 MB file sent whole, with JSON escaping, fits).
const MAX_BODY: usize = 256 * 1024 * 1024;
/// The longest header line read before it is taken for garbage.
const MAX_HEADER_LINE: usize = 8 * 1024;

/// A reader that yields only well-formed frames read from `input`.
pub fn sanitized(input: impl AsyncRead + Unpin + Send + 'static) -> impl AsyncRead {
    let (reader, writer) = tokio::io::duplex(1 << 20);
    tokio::spawn(pump(input, writer));
    reader
}

async fn pump(input: impl AsyncRead + Unpin, mut output: impl AsyncWrite + Unpin) {
    let mut input = BufReader::new(input);
    loop {
        let length = match read_headers(&mut input).await {
            Ok(Some(length)) => length,
            Ok(None) => break,
            Err(err) => {
                tracing::warn!("stdin: {err}");
                break;
            }
        };
        if length > MAX_BODY {
            // Waiting for (or skipping) that many bytes could stall the session for good (a
            // client that sent a bogus length has no such body behind it): resynchronise on the
            // next header instead.
            tracing::warn!("ignoring a {length}-byte frame: larger than {MAX_BODY} bytes");
            continue;
        }
        let mut body = vec![0; length];
        if input.read_exact(&mut body).await.is_err() {
            break;
        }
        if let Err(why) = validate(&body) {
            tracing::warn!("dropping a malformed JSON-RPC message ({why})");
            continue;
        }
        let header = format!("Content-Length: {length}\r\n\r\n");
        let written = async {
            output.write_all(header.as_bytes()).await?;
            output.write_all(&body).await?;
            output.flush().await
        };
        if written.await.is_err() {
            break;
        }
    }
    let _ = output.shutdown().await;
}

/// Read header lines up to the blank line; `Ok(None)` at end of input. Lines that are not
/// headers are skipped (with a log line), so the reader resynchronises on the next frame.
async fn read_headers(
    input: &mut (impl AsyncBufReadExt + Unpin),
) -> std::io::Result<Option<usize>> {
    let mut length = None;
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = (&mut *input)
            .take(MAX_HEADER_LINE as u64)
            .read_until(b'\n', &mut line)
            .await?;
        if n == 0 {
            return Ok(None);
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim();
        if text.is_empty() {
            if let Some(length) = length {
                return Ok(Some(length));
            }
            continue;
        }
        match text.split_once(':') {
            Some((name, value)) if name.trim().eq_ignore_ascii_case("content-length") => {
                match value.trim().parse::<usize>() {
                    Ok(v) => length = Some(v),
                    Err(_) => tracing::warn!("ignoring a bad Content-Length header: {text:?}"),
                }
            }
            Some((name, _)) if name.trim().eq_ignore_ascii_case("content-type") => {}
            _ => match glued_length(text) {
                Some(v) => {
                    tracing::warn!("resynchronising on a header after garbage");
                    length = Some(v);
                }
                None => {
                    tracing::warn!("skipping a line that is not a header: {:?}", truncate(text))
                }
            },
        }
    }
}

/// The length of a `Content-Length` header at the end of a garbage line (the rest of a body that
/// was longer than its announced length, glued to the next frame's first header).
fn glued_length(line: &str) -> Option<usize> {
    const NAME: &[u8] = b"content-length:";
    let bytes = line.as_bytes();
    let at = bytes
        .windows(NAME.len())
        .rposition(|w| w.eq_ignore_ascii_case(NAME))?;
    let value = line.get(at + NAME.len()..)?.trim();
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    value.parse().ok()
}

fn truncate(text: &str) -> &str {
    let mut end = text.len().min(80);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// Whether tower-lsp-server will be able to decode this body.
fn validate(body: &[u8]) -> Result<(), String> {
    let value: Value = serde_json::from_slice(body).map_err(|e| format!("not JSON: {e}"))?;
    if !value.is_object() {
        return Err("not a JSON object".to_string());
    }
    if value.get("method").is_some() {
        serde_json::from_value::<Request>(value)
            .map(|_| ())
            .map_err(|e| format!("invalid request: {e}"))
    } else {
        serde_json::from_value::<Response>(value)
            .map(|_| ())
            .map_err(|e| format!("invalid response: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn drops_malformed_frames_and_keeps_going() {
        let input: &[u8] = b"Content-Length: 9\r\n\r\n{not json\
garbage line\r\n\
Content-Length: 7\r\n\r\n[1,2,3]\
Content-Length: 40\r\n\r\n{\"jsonrpc\":\"2.0\",\"method\":\"x\",\"id\":1}   ";
        let mut out = Vec::new();
        pump(input, &mut out).await;
        let out = String::from_utf8_lossy(&out);
        assert_eq!(
            out,
            "Content-Length: 40\r\n\r\n{\"jsonrpc\":\"2.0\",\"method\":\"x\",\"id\":1}   "
        );
    }

    const GOOD: &str = r#"{"jsonrpc":"2.0","method":"x","id":1}"#;

    fn frame(body: &str) -> String {
        format!("Content-Length: {}\r\n\r\n{body}", body.len())
    }

    #[tokio::test]
    async fn resynchronises_after_a_length_that_lies() {
        // Too short: the rest of the body is glued to the next frame's header.
        let input = format!("Content-Length: 5\r\n\r\n{GOOD}{}", frame(GOOD));
        let mut out = Vec::new();
        pump(input.as_bytes(), &mut out).await;
        assert_eq!(String::from_utf8_lossy(&out), frame(GOOD));
        // Too long: the body swallows the start of the next frame, the one after is read.
        let input = format!(
            "Content-Length: {}\r\n\r\n{GOOD}{}{}",
            GOOD.len() + 30,
            frame(GOOD),
            frame(GOOD)
        );
        let mut out = Vec::new();
        pump(input.as_bytes(), &mut out).await;
        assert_eq!(String::from_utf8_lossy(&out), frame(GOOD));
    }

    #[tokio::test]
    async fn does_not_wait_for_an_absurd_length() {
        let input = format!(
            "Content-Length: 18446744073709551615\r\n\r\n{{}}\r\n{}",
            frame(GOOD)
        );
        let mut out = Vec::new();
        pump(input.as_bytes(), &mut out).await;
        assert_eq!(String::from_utf8_lossy(&out), frame(GOOD));
    }

    #[test]
    fn glued_lengths() {
        assert_eq!(glued_length("}\"}Content-Length: 12"), Some(12));
        assert_eq!(glued_length("xcontent-length:7"), Some(7));
        assert_eq!(glued_length("Content-Length: 1 2"), None);
        assert_eq!(glued_length("garbage"), None);
        assert_eq!(
            glued_length("Content-Length: 99999999999999999999999"),
            None
        );
        assert_eq!(glued_length("é😀Content-Length: 3"), Some(3));
    }
}
