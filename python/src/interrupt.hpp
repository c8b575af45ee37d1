#pragma once
// Ctrl-C during a run.
//
// Python's SIGINT handler only flags the signal for the interpreter, which does not run while a run holds
// no GIL. So while a run is in progress, a handler of ours sets a flag that the run checks between steps;
// afterwards the signal is handed back to Python (PyErr_SetInterruptEx), whose handler then runs as usual
// (KeyboardInterrupt by default). The step in progress completes first: the simulation stays consistent.
#include <csignal>

namespace spark::python {

class InterruptWatch {
public:
    // Watches SIGINT when called with the GIL on Python's main thread (where Python runs its signal
    // handlers) while Python handles SIGINT (not SIG_IGN or SIG_DFL); otherwise watches nothing.
    InterruptWatch();
    ~InterruptWatch();
    InterruptWatch(const InterruptWatch&) = delete;
    InterruptWatch& operator=(const InterruptWatch&) = delete;

    // Whether SIGINT arrived; safe without the GIL, cheap enough for every step.
    bool received() const noexcept;

    // With the GIL: restores Python's handler and hands it a SIGINT received meanwhile; throws
    // pybind11::error_already_set with what the handler raised.
    void deliver();

private:
    void stop() noexcept;
    struct sigaction previous_ {};
    bool watching_ = false;
};

}  // namespace spark::python
