#include "interrupt.hpp"

#include <atomic>

#include <pybind11/pybind11.h>

namespace spark::python {

namespace {

std::atomic<bool> sigint_received{false};
static_assert(std::atomic<bool>::is_always_lock_free, "the SIGINT flag must be async-signal-safe");
extern "C" void note_sigint(int) { sigint_received.store(true, std::memory_order_relaxed); }

bool on_main_thread() {
    static const unsigned long main_id =
        pybind11::module_::import("threading").attr("main_thread")().attr("ident").cast<unsigned long>();
    return PyThread_get_thread_ident() == main_id;
}

}  // namespace

InterruptWatch::InterruptWatch() {
    if (!on_main_thread()) return;
    struct sigaction current {};
    if (sigaction(SIGINT, nullptr, &current) != 0 || current.sa_handler == SIG_IGN || current.sa_handler == SIG_DFL)
        return;
    struct sigaction mine {};
    mine.sa_handler = note_sigint;
    sigemptyset(&mine.sa_mask);
    sigint_received.store(false);
    watching_ = sigaction(SIGINT, &mine, &previous_) == 0;
}

InterruptWatch::~InterruptWatch() { stop(); }

bool InterruptWatch::received() const noexcept {
    return watching_ && sigint_received.load(std::memory_order_relaxed);
}

void InterruptWatch::deliver() {
    const bool received_one = received();
    stop();
    if (!received_one) return;
    PyErr_SetInterruptEx(SIGINT);
    if (PyErr_CheckSignals() != 0) throw pybind11::error_already_set();
}

void InterruptWatch::stop() noexcept {
    if (watching_) sigaction(SIGINT, &previous_, nullptr);
    watching_ = false;
}

}  // namespace spark::python
