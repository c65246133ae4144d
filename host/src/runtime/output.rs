//! Where a migration's stdout and stderr go: a bounded in-memory buffer,
//! shown with errors and by `-v`. Past the bound, output is dropped (and the
//! drop noted), never refused: a refused write would make Rust's `println!`
//! panic and fail an otherwise good migration.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use tokio::io::AsyncWrite;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};

#[derive(Clone, Debug)]
pub struct GuestOutput {
    capacity: usize,
    buffer: Arc<Mutex<Buffer>>,
}

#[derive(Debug, Default)]
struct Buffer {
    bytes: Vec<u8>,
    dropped: usize,
}

impl GuestOutput {
    pub fn new(capacity: usize) -> Self {
        GuestOutput {
            capacity,
            buffer: Arc::default(),
        }
    }

    /// What the guest wrote, lossily decoded, with a note if some was dropped.
    pub fn text(&self) -> String {
        let buffer = self.buffer.lock().expect("output buffer poisoned");
        let mut text = String::from_utf8_lossy(&buffer.bytes).into_owned();
        if buffer.dropped > 0 {
            text.push_str(&format!("\n[{} more bytes of output were dropped]", buffer.dropped));
        }
        text
    }
}

impl IsTerminal for GuestOutput {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for GuestOutput {
    fn async_stream(&self) -> Box<dyn AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}

impl AsyncWrite for GuestOutput {
    fn poll_write(self: Pin<&mut Self>, _: &mut Context<'_>, bytes: &[u8]) -> Poll<io::Result<usize>> {
        let mut buffer = self.buffer.lock().expect("output buffer poisoned");
        let room = self.capacity.saturating_sub(buffer.bytes.len());
        let kept = bytes.len().min(room);
        buffer.bytes.extend_from_slice(&bytes[..kept]);
        buffer.dropped += bytes.len() - kept;
        Poll::Ready(Ok(bytes.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}
