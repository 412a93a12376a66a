//! Two futures of one task (a connection's driver and the code that uses the connection)
//! polled together like `tokio::join!`, except that when one wakes the other during the
//! poll (a message handed over a channel between them), it is polled again at once
//! instead of the task going back to the scheduler: on a multi-thread runtime a task
//! that wakes itself is queued behind the others and wakes an idle worker, which then
//! steals it, so every frame would cost a cross-thread wakeup.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use futures_util::task::AtomicWaker;

/// Set while the pair is being polled: a wake then only marks its half.
const POLLING: u8 = 1;
/// The first half was woken while the pair was being polled: poll it again.
const WOKEN_A: u8 = 2;
/// The second half was woken while the pair was being polled: poll it again.
const WOKEN_B: u8 = 4;
/// How many rounds one poll of the task runs at most before it yields to the scheduler
/// (so that a pair that keeps waking itself cannot starve the other tasks).
const ROUNDS: usize = 16;

/// What both halves' wakers share.
#[derive(Debug, Default)]
struct Flag {
    state: AtomicU8,
    task: AtomicWaker,
}

/// The waker of one half.
#[derive(Debug)]
struct HalfWaker {
    flag: Arc<Flag>,
    /// [`WOKEN_A`] or [`WOKEN_B`].
    bit: u8,
}

impl Wake for HalfWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        // One atomic both records the wake and reads whether a poll is running, so a
        // wake is either seen by the running poll (which then polls that half again) or
        // passed on to the task: never lost.
        if self.flag.state.fetch_or(self.bit, Ordering::AcqRel) & POLLING == 0 {
            self.flag.task.wake();
        }
    }
}

/// One of the two futures, then its output.
enum Half<F: Future> {
    Running(Pin<Box<F>>),
    Done(Option<F::Output>),
}

impl<F: Future> Half<F> {
    /// Polls it if it is still running; whether it is done.
    fn poll(&mut self, cx: &mut Context<'_>) -> bool {
        if let Half::Running(future) = self {
            match future.as_mut().poll(cx) {
                Poll::Ready(output) => *self = Half::Done(Some(output)),
                Poll::Pending => return false,
            }
        }
        true
    }

    fn is_done(&self) -> bool {
        matches!(self, Half::Done(_))
    }

    fn take(&mut self) -> F::Output {
        match self {
            Half::Done(output) => output.take().expect("the output is taken once"),
            Half::Running(_) => unreachable!("taken only when done"),
        }
    }
}

/// The future of [`together`].
pub struct Together<A: Future, B: Future> {
    a: Half<A>,
    b: Half<B>,
    flag: Arc<Flag>,
    wakers: [Waker; 2],
}

/// Runs `a` and `b` in the same task until both finish; their outputs. Use it for a
/// connection's driver and the code that uses the connection (as
/// [`Connection::with_driver`](super::Connection::with_driver) splits them), so that a
/// frame handed from one to the other is handled in the same poll of the task instead of
/// costing a trip through the scheduler (and, on a multi-thread runtime, a cross-thread
/// wakeup). The rpc client and server and [`Server`](super::Server) run their
/// connections this way.
///
/// ```
/// use wirewright::transport::together;
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let (tx, mut rx) = tokio::sync::mpsc::channel::<u32>(1);
/// let producer = async move {
///     for n in 1..=3 {
///         tx.send(n).await.unwrap();
///     }
///     "sent"
/// };
/// let consumer = async move {
///     let mut sum = 0;
///     while let Some(n) = rx.recv().await {
///         sum += n;
///     }
///     sum
/// };
/// assert_eq!(together(producer, consumer).await, ("sent", 6));
/// # }
/// ```
pub fn together<A: Future, B: Future>(a: A, b: B) -> Together<A, B> {
    let flag = Arc::new(Flag::default());
    Together {
        a: Half::Running(Box::pin(a)),
        b: Half::Running(Box::pin(b)),
        wakers: [WOKEN_A, WOKEN_B].map(|bit| {
            Waker::from(Arc::new(HalfWaker {
                flag: Arc::clone(&flag),
                bit,
            }))
        }),
        flag,
    }
}

impl<A: Future, B: Future> Future for Together<A, B> {
    type Output = (A::Output, B::Output);

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        this.flag.task.register(cx.waker());
        let [a_waker, b_waker] = &this.wakers;
        let state = &this.flag.state;
        // The task was woken from outside: both halves may have something to do.
        let mut due = WOKEN_A | WOKEN_B;
        for _ in 0..ROUNDS {
            state.store(POLLING, Ordering::Release);
            if due & WOKEN_A != 0 {
                this.a.poll(&mut Context::from_waker(a_waker));
            }
            if due & WOKEN_B != 0 {
                // A wake of this half before its poll is seen by the poll itself.
                state.fetch_and(!WOKEN_B, Ordering::AcqRel);
                this.b.poll(&mut Context::from_waker(b_waker));
            }
            due = state.swap(0, Ordering::AcqRel) & (WOKEN_A | WOKEN_B);
            if this.a.is_done() && this.b.is_done() {
                return Poll::Ready((this.a.take(), this.b.take()));
            }
            if due == 0 {
                return Poll::Pending;
            }
            if !tokio::task::coop::has_budget_remaining() {
                // The channels would only say "later" until the task yields.
                break;
            }
        }
        // Still woken after every round (or out of budget): let the other tasks run
        // first.
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

impl<A: Future, B: Future> std::fmt::Debug for Together<A, B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Together")
            .field("a_done", &self.a.is_done())
            .field("b_done", &self.b.is_done())
            .finish_non_exhaustive()
    }
}

// The boxed futures make both halves `Unpin`.
impl<A: Future, B: Future> Unpin for Together<A, B> {}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use tokio::sync::mpsc;

    #[tokio::test]
    async fn together_returns_both_outputs_when_one_feeds_the_other() {
        let (tx, mut rx) = mpsc::channel::<u32>(1);
        let producer = async move {
            for i in 0..100 {
                tx.send(i).await.unwrap();
            }
            7
        };
        let consumer = async move {
            let mut sum = 0;
            while let Some(i) = rx.recv().await {
                sum += i;
            }
            sum
        };
        assert_eq!(together(producer, consumer).await, (7, 4950));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn together_is_woken_by_another_task_after_its_poll() {
        let (tx, mut rx) = mpsc::channel::<u32>(1);
        let sender = tokio::spawn(async move {
            for i in 0..1000 {
                tx.send(i).await.unwrap();
                tokio::task::yield_now().await;
            }
        });
        let received = async move {
            let mut count = 0;
            while rx.recv().await.is_some() {
                count += 1;
            }
            count
        };
        let (count, ()) = together(received, async {}).await;
        assert_eq!(count, 1000);
        sender.await.unwrap();
    }

    #[tokio::test(flavor = "current_thread")]
    async fn together_yields_to_other_tasks_when_it_keeps_waking_itself() {
        let other = tokio::spawn(async { 5 });
        let spin = async {
            loop {
                tokio::task::yield_now().await;
                if other.is_finished() {
                    return other.await.unwrap();
                }
            }
        };
        assert_eq!(together(spin, async {}).await, (5, ()));
    }
}
