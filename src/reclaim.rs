//! Freeing large structures off the latency path.
//!
//! Replacing an open file's summary or analysis frees tens of thousands of small allocations;
//! done inline that is a few milliseconds of every edit before its diagnostics go out. Values
//! handed to [`drop_later`] are dropped on one background thread instead.

use std::sync::OnceLock;
use std::sync::mpsc::{Sender, channel};

type Garbage = Box<dyn Send>;

static DROPPER: OnceLock<Option<Sender<Garbage>>> = OnceLock::new();

/// Drops `value` on the reclaim thread (or here, if that thread could not be started).
pub fn drop_later<T: Send + 'static>(value: T) {
    let tx = DROPPER.get_or_init(|| {
        let (tx, rx) = channel::<Garbage>();
        std::thread::Builder::new()
            .name("debuglens-reclaim".into())
            .spawn(move || rx.into_iter().for_each(drop))
            .ok()
            .map(|_| tx)
    });
    if let Some(tx) = tx {
        // A send fails only if the thread is gone; the value then comes back and drops here.
        let _ = tx.send(Box::new(value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn a_value_handed_over_is_dropped_on_another_thread() {
        struct Noted(Arc<std::sync::Mutex<Option<std::thread::ThreadId>>>);
        impl Drop for Noted {
            fn drop(&mut self) {
                *self.0.lock().unwrap() = Some(std::thread::current().id());
            }
        }
        let seen = Arc::new(std::sync::Mutex::new(None));
        drop_later(Noted(Arc::clone(&seen)));
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while seen.lock().unwrap().is_none() && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        let dropped_on = seen.lock().unwrap().expect("dropped within 5 s");
        assert_ne!(dropped_on, std::thread::current().id());
    }
}
