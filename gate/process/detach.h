// Detaching from the terminal as PicoLisp's httpGate does: fork, the parent
// exits 0, the child starts a new session. The caller does it once the
// configuration is loaded and the listeners are bound (so that errors still
// reach the terminal) and before any thread exists (fork copies only the
// calling thread).
#pragma once

namespace httpgate::gate {

// Returns in the child only; the parent exits 0. False (errno set) when
// fork() fails.
bool detachFromTerminal();

}  // namespace httpgate::gate
