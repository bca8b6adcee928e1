//! A guard in front of tower-lsp-server's reader.
//!
//! tower-lsp-server decodes stdin with tokio-util's `FramedRead`, which ends the stream after the
//! first message it cannot decode: one malformed message from a client and the server would stop
//! reading for good. So djsec reads the `Content-Length` frames itself, checks that each body is a
//! JSON-RPC request, notification or response, logs and drops those that are not, and forwards
//! the rest through an in-memory pipe.

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
            tracing::warn!("dropping a {length}-byte message: larger than {MAX_BODY} bytes");
            let skipped = tokio::io::copy(
                &mut (&mut input).take(length as u64),
                &mut tokio::io::sink(),
            )
            .await;
            if skipped.map_or(true, |n| n < length as u64) {
                break;
            }
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
            _ => tracing::warn!("skipping a line that is not a header: {:?}", truncate(text)),
        }
    }
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
}
