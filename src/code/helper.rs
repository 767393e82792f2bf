//! A second thread that is already running when work is handed to it.
//!
//! A big file's findings are computed in two halves at once ([`super::Index::findings_for_with`]).
//! A thread started at that moment, or one asleep until then, is not running at once where idle
//! cores sleep: on this project's 2-vCPU benchmark VM it took 1–2.5 ms to be scheduled, a quarter
//! of the findings' time. The editor's analysis starts a helper when it begins, before it reparses
//! and re-summarises the file, and hands it the second half afterwards; until then the helper
//! waits by yielding the core in a loop (for at most its `spin` time), then by sleeping. After its
//! first job it only sleeps between jobs.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Sender, TryRecvError, channel};
use std::thread::Scope;
use std::time::{Duration, Instant};

/// Work for the helper. It may borrow anything that outlives the helper's scope.
pub type Job<'s> = Box<dyn FnOnce() + Send + 's>;

pub struct Helper<'s> {
    jobs: Sender<Job<'s>>,
    started: Arc<AtomicUsize>,
}

impl<'s> Helper<'s> {
    /// Starts the helper thread in `scope`. It runs jobs in the order they are sent, waiting
    /// for the first by yielding until `spin` after its start, then (and for every later one)
    /// by sleeping; it ends when the `Helper` is dropped. A job that panics ends alone: whatever
    /// it was to send back is dropped, which the receiving end sees.
    pub fn start<'e>(scope: &'s Scope<'s, 'e>, spin: Duration) -> Helper<'s> {
        let (jobs, rx) = channel::<Job<'s>>();
        let started = Arc::new(AtomicUsize::new(0));
        let count = Arc::clone(&started);
        scope.spawn(move || {
            let now = Instant::now();
            let mut until = now.checked_add(spin).unwrap_or(now);
            loop {
                let job = match rx.try_recv() {
                    Ok(job) => job,
                    Err(TryRecvError::Disconnected) => return,
                    Err(TryRecvError::Empty) if Instant::now() < until => {
                        std::thread::yield_now();
                        continue;
                    }
                    Err(TryRecvError::Empty) => match rx.recv() {
                        Ok(job) => job,
                        Err(_) => return,
                    },
                };
                count.fetch_add(1, Ordering::Relaxed);
                let _ = std::panic::catch_unwind(AssertUnwindSafe(job));
                until = Instant::now();
            }
        });
        Helper { jobs, started }
    }

    /// How many jobs the helper has started.
    pub fn jobs_started(&self) -> usize {
        self.started.load(Ordering::Relaxed)
    }

    /// Hands `job` to the helper; false if the helper is gone (the job is then dropped).
    pub fn run(&self, job: Job<'s>) -> bool {
        self.jobs.send(job).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc::channel;

    #[test]
    fn a_job_runs_on_the_helper_thread_and_may_borrow_from_the_scope() {
        let words = vec!["loop".to_string(), "remote".to_string()];
        let here = std::thread::current().id();
        let (tx, rx) = channel();
        std::thread::scope(|scope| {
            let helper = Helper::start(scope, Duration::from_millis(5));
            let words = &words;
            assert!(helper.run(Box::new(move || {
                let _ = tx.send((words.join(" "), std::thread::current().id()));
            })));
        });
        let (joined, ran_on) = rx.recv().expect("the job ran");
        assert_eq!(joined, "loop remote");
        assert_ne!(ran_on, here);
    }

    #[test]
    fn a_job_sent_after_the_helper_stopped_spinning_wakes_it() {
        let (tx, rx) = channel();
        std::thread::scope(|scope| {
            let helper = Helper::start(scope, Duration::ZERO);
            std::thread::sleep(Duration::from_millis(20));
            assert!(helper.run(Box::new(move || {
                let _ = tx.send("ran");
            })));
            assert_eq!(rx.recv_timeout(Duration::from_secs(10)), Ok("ran"));
            assert_eq!(helper.jobs_started(), 1);
        });
    }

    #[test]
    fn a_job_that_panics_drops_its_sender_and_the_next_job_still_runs() {
        let (first_tx, first_rx) = channel::<u32>();
        let (second_tx, second_rx) = channel::<u32>();
        std::thread::scope(|scope| {
            let helper = Helper::start(scope, Duration::ZERO);
            helper.run(Box::new(move || {
                let _keep = first_tx;
                panic!("a bug in a job");
            }));
            helper.run(Box::new(move || {
                let _ = second_tx.send(2);
            }));
        });
        assert!(
            first_rx.recv().is_err(),
            "the panicking job's sender is dropped"
        );
        assert_eq!(second_rx.recv(), Ok(2));
    }
}
