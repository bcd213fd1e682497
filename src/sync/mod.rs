//! Coordination between tasks: semaphores, events, locks and channels (work in progress).
