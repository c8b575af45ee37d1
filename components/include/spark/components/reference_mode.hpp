#pragma once
// The dense reference forms of the event-driven components (issue 21), for tests and benchmarks.
//
// N2N delays, per-synapse synapse input and the plasticity rules have an event-driven form that gives
// bit-identical results to the literal dense form of the spec (every synapse scanned every step). The
// dense form is kept as the reference: a component built while dense_reference() is true runs it for
// its whole life. Tests build one network each way and compare spikes and state bit for bit; the
// benchmarks time both. Not part of any config: it changes no result, only the cost.
namespace spark::components {

// Whether components built now use their dense reference form (default false: the event form).
bool dense_reference() noexcept;
void set_dense_reference(bool on) noexcept;

// Sets the mode for a scope (tests, benchmarks), restoring the previous one.
class ScopedDenseReference {
public:
    explicit ScopedDenseReference(bool on) noexcept : previous_(dense_reference()) { set_dense_reference(on); }
    ~ScopedDenseReference() { set_dense_reference(previous_); }
    ScopedDenseReference(const ScopedDenseReference&) = delete;
    ScopedDenseReference& operator=(const ScopedDenseReference&) = delete;

private:
    bool previous_;
};

}  // namespace spark::components
