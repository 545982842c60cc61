#pragma once
// Scheduling classes for the node's threads. On a machine with few cores the
// block pipeline (chain, consensus, producer) is on every transaction's path
// to finality, while admission work (signature checks, RPC parsing, reader
// lookups) only has to keep up on average. Background threads therefore run
// at a lower priority: with all cores busy the kernel gives the pipeline its
// share first, and idle cores still go to whoever is runnable.

namespace tc {

// Niceness of background threads (0 = no change). Set once at start.
void set_background_nice(int nice);
int background_nice();

// Moves the calling thread to the background class, once per thread; a
// cheap check after the first call, so hot handlers may call it each time.
// Only for threads that do nothing else: detached actors and the RPC
// pool's workers, never a shared scheduler thread (the simulators run
// everything on one thread and leave the level at 0).
void run_in_background();

}  // namespace tc
