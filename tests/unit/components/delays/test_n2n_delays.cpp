#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>
#include <random>

#include <spark/components/builtin.hpp>
#include <spark/components/delays/n2n_delays.hpp>
#include <spark/components/reference_mode.hpp>
#include <spark/core/spike_index.hpp>

#include "delays_testing.hpp"
#include "harness.hpp"
#include "test_parallels.hpp"

using namespace spark;
using spark::components::delays::N2NDelays;
using spark::testing::Harness;
using spark::testing::ReversedParallel;
using spark::testing::random_delays;
using spark::testing::steps_list;

TEST_CASE("N2NDelays delays each (post, pre) pair by its own delay, 1..B, signs preserved", "[delays]") {
    // units [2], 3 inputs, B = 6: the six synapses get the delays 1..6 (d[p, j] = 3 p + j + 1).
    Harness h(components::builtin_registry(), "n2n_delays",
              {{"units", Value::List{2.0}}, {"max_delay", 6.0}, {"delays", steps_list({1, 2, 3, 4, 5, 6})}},
              {PortSpec(PayloadKind::spikes, {3})});
    const PortSpec& out = h.result().outputs[0];
    CHECK(out.shape == Shape{2, 3});
    CHECK(out.per_synapse);
    CHECK(h.result().properties[0] == PortSpec(PayloadKind::integer, {2, 3}));
    for (int t = 0; t < 10; ++t) {
        // every unit spikes at step 0; unit 1 is inhibitory
        h.input_u8(0)[0] = t == 0 ? spike::bit : 0;
        h.input_u8(0)[1] = static_cast<std::uint8_t>(spike::inhibitory | (t == 0 ? spike::bit : 0));
        h.input_u8(0)[2] = t == 0 ? spike::bit : 0;
        h.step();
        for (std::size_t p = 0; p < 2; ++p)
            for (std::size_t j = 0; j < 3; ++j) {
                const int d = static_cast<int>(3 * p + j + 1);
                const float expected = t == d ? (j == 1 ? -1.0f : 1.0f) : 0.0f;
                INFO("t = " << t << ", post " << p << ", pre " << j);
                REQUIRE(spike::signed_value(h.output_u8(0)[p * 3 + j]) == expected);
                REQUIRE(((h.output_u8(0)[p * 3 + j] & spike::inhibitory) != 0) == (j == 1));
            }
    }
}

TEST_CASE("N2NDelays matches out(p, j, t) = in(j, t - d(p, j)) on a random spike train", "[delays]") {
    constexpr std::size_t P = 5, N = 13;
    constexpr int B = 4, T = 200;
    std::mt19937 gen(3);
    const std::vector<int> delays = random_delays(P * N, B, gen);
    Harness h(components::builtin_registry(), "n2n_delays",
              {{"units", Value::List{double(P)}}, {"max_delay", 2.0}, {"delays", steps_list(delays)}},
              {PortSpec(PayloadKind::spikes, {N})}, /*dt=*/0.5);
    std::vector<std::vector<std::uint8_t>> history;
    for (int t = 0; t < T; ++t) {
        std::vector<std::uint8_t> in(N);
        for (auto& c : in) c = spike::encode(std::bernoulli_distribution(0.25)(gen), std::bernoulli_distribution(0.3)(gen));
        history.push_back(in);
        std::copy(in.begin(), in.end(), h.input_u8(0).begin());
        h.step();
        for (std::size_t p = 0; p < P; ++p)
            for (std::size_t j = 0; j < N; ++j) {
                const int from = t - delays[p * N + j];
                const bool spiked = from >= 0 && (history[static_cast<std::size_t>(from)][j] & spike::bit);
                const std::uint8_t expected =
                    spiked ? history[static_cast<std::size_t>(from)][j] : std::uint8_t(in[j] & spike::inhibitory);
                REQUIRE(h.output_u8(0)[p * N + j] == expected);
            }
    }
}

TEST_CASE("N2NDelays draws one delay per synapse and broadcasts the input mask over the post dims", "[delays]") {
    PortSpec in(PayloadKind::spikes, {4});
    in.mask = {1, 0, 0, 1};
    Harness h(components::builtin_registry(), "n2n_delays", {{"units", Value::List{2.0, 3.0}}, {"max_delay", 3.0}}, {in});
    const PortSpec& out = h.result().outputs[0];
    CHECK(out.shape == Shape{2, 3, 4});
    REQUIRE(out.mask.size() == 24);
    for (std::size_t i = 0; i < 24; ++i) CHECK(out.mask[i] == in.mask[i % 4]);
    const auto delays = h.as<N2NDelays>().delays();
    REQUIRE(delays.size() == 24);
    for (auto d : delays) {
        CHECK(d >= 1);
        CHECK(d <= 3);
    }
}

TEST_CASE("N2NDelays needs units and a synchronous input", "[delays][config]") {
    REQUIRE_THROWS_AS(Harness(components::builtin_registry(), "n2n_delays", {}, {PortSpec(PayloadKind::spikes, {3})}),
                      ConfigError);
    REQUIRE_THROWS_WITH(Harness(components::builtin_registry(), "n2n_delays", {}, {PortSpec(PayloadKind::spikes, {3})}),
                        Catch::Contains("N2NDelays 'n2n_delays': units must be given"));
    REQUIRE_THROWS_WITH(Harness(components::builtin_registry(), "n2n_delays", {{"units", Value::List{2.0}}},
                                {PortSpec(PayloadKind::spikes, {2, 3}, true)}),
                        Catch::Contains("in_spikes"));
}

namespace {
// One N2NDelays built in the event form or the dense reference form, stepped with an output buffer that
// carries a spike index, as in the runtime.
struct DelayRun {
    std::unique_ptr<Component> delays;
    std::vector<std::uint8_t> in, out;
    std::unique_ptr<SpikeIndex> index;

    DelayRun(bool reference, std::size_t posts, std::size_t pre, const std::vector<int>& d, double max_delay) {
        components::ScopedDenseReference mode(reference);
        delays = components::builtin_registry().create(
            "n2n_delays", {{"units", Value::List{double(posts)}}, {"max_delay", max_delay}, {"delays", steps_list(d)}},
            "delays");
        Rng rng = Rng::for_node(0, "delays");
        std::vector<std::optional<PortSpec>> specs{PortSpec(PayloadKind::spikes, {pre})};
        BuildContext ctx;
        ctx.inputs = specs;
        ctx.dt = 1.0;
        ctx.rng = &rng;
        ctx.node = "delays";
        delays->build(ctx);
        delays->mark_built();
        in.assign(pre, 0);
        out.assign(posts * pre, 0xff);
        index = std::make_unique<SpikeIndex>(out.size());
    }
    void step(Parallel& parallel, std::int64_t t) {
        std::vector<ConstArrayRef> inputs{ConstArrayRef(in.data(), in.size())};
        std::vector<ArrayRef> outputs{ArrayRef{out.data(), out.size()}};
        outputs[0].spike_index = index.get();
        index->invalidate();
        StepContext ctx{inputs, outputs, &parallel, t};
        delays->step(ctx);
    }
};

// Copies every state array of a component (reading), and writes them into another one.
class StateCollector final : public StateVisitor {
public:
    StateCollector() : StateVisitor(StateAccess::read) {}
    std::vector<std::vector<std::byte>> arrays;
    void visit(std::string_view, DType dtype, void* data, std::size_t count) override {
        const auto* bytes = static_cast<const std::byte*>(data);
        arrays.emplace_back(bytes, bytes + count * size_of(dtype));
    }
};
class StateRestorer final : public StateVisitor {
public:
    explicit StateRestorer(const std::vector<std::vector<std::byte>>& arrays) : arrays_(arrays) {}
    void visit(std::string_view, DType dtype, void* data, std::size_t count) override {
        REQUIRE(arrays_.at(next_).size() == count * size_of(dtype));
        std::memcpy(data, arrays_[next_++].data(), count * size_of(dtype));
    }

private:
    const std::vector<std::vector<std::byte>>& arrays_;
    std::size_t next_ = 0;
};
// The synapses of the arrivals an N2NDelays published (SynapseArrivals), sorted, after checking the
// promised order (groups in non-decreasing pre, posts increasing within a group) and each group's code
// against the codes written.
std::vector<std::size_t> published_arrivals(const SpikeIndex& index, const std::vector<std::uint8_t>& out, std::size_t n_pre) {
    REQUIRE_FALSE(index.fresh());  // no lists: a reader that does not know the groups scans the codes
    const SynapseArrivals* a = index.arrivals();
    REQUIRE(a != nullptr);
    REQUIRE(a->n_pre == n_pre);
    std::vector<std::size_t> synapses;
    for (std::size_t g = 0; g < a->groups.size(); ++g) {
        const ArrivalGroup& group = a->groups[g];
        if (g > 0) REQUIRE(a->groups[g - 1].pre <= group.pre);
        REQUIRE(group.first < group.last);
        for (std::uint32_t k = group.first; k < group.last; ++k) {
            if (k > group.first) REQUIRE(a->posts[k - 1] < a->posts[k]);
            const std::size_t i = std::size_t(a->posts[k]) * n_pre + group.pre;
            REQUIRE(out[i] == group.code);
            synapses.push_back(i);
        }
    }
    std::sort(synapses.begin(), synapses.end());
    return synapses;
}

// The event form wrote the reference's codes and published exactly the synapses where the reference
// delivers a spike this step; returns how many.
std::size_t require_same_arrivals(const DelayRun& event, const DelayRun& reference, std::size_t n_pre) {
    REQUIRE(event.out == reference.out);
    const std::vector<std::size_t> listed = published_arrivals(*event.index, event.out, n_pre);
    std::vector<std::size_t> expected;
    for (std::size_t i = 0; i < reference.out.size(); ++i)
        if (reference.out[i] & spike::bit) expected.push_back(i);
    REQUIRE(listed == expected);
    return listed.size();
}
}  // namespace

TEST_CASE("N2NDelays event form writes the bytes of the dense gather and publishes exactly the arrivals, grouped by sender", "[delays]") {
    constexpr std::size_t P = 37, N = 300;
    constexpr int B = 7, T = 1500;
    std::mt19937 gen(11);
    const std::vector<int> d = random_delays(P * N, B, gen);
    DelayRun event(false, P, N, d, double(B)), reference(true, P, N, d, double(B));
    ReversedParallel two(2);  // the chunked paths run in reverse task order
    std::bernoulli_distribution fires(0.05), inhibitory(0.2);
    std::vector<std::uint8_t> mask(N);
    for (auto& m : mask) m = inhibitory(gen);
    std::size_t arrivals = 0;
    for (int t = 0; t < T; ++t) {
        for (std::size_t j = 0; j < N; ++j) event.in[j] = reference.in[j] = spike::encode(fires(gen), mask[j] != 0);
        Parallel& parallel = t % 2 == 0 ? serial_parallel() : static_cast<Parallel&>(two);
        event.step(parallel, t);
        reference.step(serial_parallel(), t);
        INFO("step " << t);
        arrivals += require_same_arrivals(event, reference, N);
    }
    CHECK(arrivals > std::size_t(T) * P * N / 40);  // ~5 % of the synapses receive a spike each step
}

TEST_CASE("N2NDelays event form splits a busy step's code writes by rows over two threads and writes the bytes of the dense gather", "[delays]") {
    // Enough arrivals per step (several thousand) that the restore of the last arrivals and the new
    // ones run as one row range per thread; ReversedParallel runs the ranges in reverse order.
    constexpr std::size_t P = 64, N = 800;
    constexpr int B = 4, T = 200;
    std::mt19937 gen(5);
    const std::vector<int> d = random_delays(P * N, B, gen);
    DelayRun event(false, P, N, d, double(B)), reference(true, P, N, d, double(B));
    ReversedParallel two(2);
    std::bernoulli_distribution fires(0.12), inhibitory(0.2);
    std::vector<std::uint8_t> mask(N);
    for (auto& m : mask) m = inhibitory(gen);
    std::size_t busy = 0;
    for (int t = 0; t < T; ++t) {
        for (std::size_t j = 0; j < N; ++j) event.in[j] = reference.in[j] = spike::encode(fires(gen), mask[j] != 0);
        Parallel& parallel = t % 5 == 4 ? serial_parallel() : static_cast<Parallel&>(two);
        event.step(parallel, t);
        reference.step(serial_parallel(), t);
        INFO("step " << t);
        if (require_same_arrivals(event, reference, N) >= 4096) ++busy;
    }
    CHECK(busy > std::size_t(T) / 2);
}

TEST_CASE("N2NDelays event form keeps the codes of alternating output buffers exact over resets, state writes and changing inhibition bits", "[delays]") {
    // The event form rewrites only the last arrivals of a buffer it wrote before: every way a buffer can
    // hold something else (the other buffer of a doubled output, a buffer overwritten by a reset or a
    // state load, an input whose inhibition bits change) must give the dense gather's bytes again.
    constexpr std::size_t P = 23, N = 150;
    constexpr int B = 5, T = 3000;
    std::mt19937 gen(29);
    std::vector<int> d(P * N);
    for (auto& x : d) x = std::uniform_int_distribution<int>(1, B)(gen);
    DelayRun event(false, P, N, d, double(B)), reference(true, P, N, d, double(B));
    std::vector<std::uint8_t> other(P * N, 0xff);  // the second buffer of a doubled output
    SpikeIndex other_index(other.size());
    std::bernoulli_distribution fires(0.08), flip(0.002), rare(0.01);
    std::vector<std::uint8_t> mask(N);
    std::size_t arrivals = 0, resets = 0, loads = 0;
    for (int t = 0; t < T; ++t) {
        for (std::size_t j = 0; j < N; ++j) {
            if (flip(gen)) mask[j] ^= 1;
            event.in[j] = reference.in[j] = spike::encode(fires(gen), mask[j] != 0);
        }
        if (rare(gen)) {  // as Simulation::reset: the runtime zeroes its buffers
            event.delays->reset();
            reference.delays->reset();
            std::fill(event.out.begin(), event.out.end(), 0);
            std::fill(other.begin(), other.end(), 0);
            ++resets;
        } else if (rare(gen)) {  // a state load: the delay line from the reference, a buffer rewritten
            StateCollector collect;
            reference.delays->visit_state(collect);
            StateRestorer restore(collect.arrays);
            event.delays->visit_state(restore);
            std::fill(other.begin(), other.end(), std::uint8_t{0x5a});
            ++loads;
        }
        const bool second = t % 3 == 1;  // a previous-step wire: the buffers alternate (here irregularly)
        if (second) std::swap(event.out, other), std::swap(*event.index, other_index);
        event.step(serial_parallel(), t);
        reference.step(serial_parallel(), t);
        INFO("step " << t);
        arrivals += require_same_arrivals(event, reference, N);
        if (second) std::swap(event.out, other), std::swap(*event.index, other_index);
    }
    CHECK(resets > 10);
    CHECK(loads > 10);
    CHECK(arrivals > std::size_t(T) * P * N / 20);
}

TEST_CASE("N2NDelays with deferred codes writes none in its steps and the last step's on demand, exact over resets, state writes and changing inhibition bits", "[delays]") {
    // Component::defer_codes: the runtime's offer when every reader takes the arrivals alone. The steps
    // publish the arrivals and leave the buffer as it was; write_deferred_codes makes it hold the dense
    // gather's bytes of the last step, whenever it is called (here in some steps and not in others).
    constexpr std::size_t P = 29, N = 170;
    constexpr int B = 4, T = 3000;
    std::mt19937 gen(31);
    std::vector<int> d(P * N);
    for (auto& x : d) x = std::uniform_int_distribution<int>(1, B)(gen);
    DelayRun event(false, P, N, d, double(B)), reference(true, P, N, d, double(B));
    REQUIRE_FALSE(reference.delays->defer_codes(0));  // the dense reference has no arrivals to publish
    REQUIRE(event.delays->defer_codes(0));
    std::bernoulli_distribution fires(0.08), flip(0.002), rare(0.01), read(0.3);
    std::vector<std::uint8_t> mask(N);
    std::size_t arrivals = 0, resets = 0, loads = 0, reads = 0;
    for (int t = 0; t < T; ++t) {
        for (std::size_t j = 0; j < N; ++j) {
            if (flip(gen)) mask[j] ^= 1;
            event.in[j] = reference.in[j] = spike::encode(fires(gen), mask[j] != 0);
        }
        if (rare(gen)) {  // as Simulation::reset: the runtime zeroes its buffers; a read then sees zeros
            event.delays->reset();
            reference.delays->reset();
            std::fill(event.out.begin(), event.out.end(), 0);
            event.delays->write_deferred_codes(0, ArrayRef{event.out.data(), event.out.size()});
            REQUIRE(std::all_of(event.out.begin(), event.out.end(), [](std::uint8_t c) { return c == 0; }));
            ++resets;
        } else if (rare(gen)) {  // a state load: the delay line from the reference, the buffer rewritten
            StateCollector collect;
            reference.delays->visit_state(collect);
            StateRestorer restore(collect.arrays);
            event.delays->visit_state(restore);
            std::fill(event.out.begin(), event.out.end(), std::uint8_t{0x5a});
            ++loads;
        }
        const std::vector<std::uint8_t> before = event.out;
        event.step(serial_parallel(), t);
        reference.step(serial_parallel(), t);
        INFO("step " << t);
        REQUIRE(event.out == before);  // no code written in the step
        if (!read(gen)) continue;
        event.delays->write_deferred_codes(0, ArrayRef{event.out.data(), event.out.size()});
        arrivals += require_same_arrivals(event, reference, N);
        ++reads;
        const std::vector<std::uint8_t> written = event.out;  // a second read writes nothing new
        event.delays->write_deferred_codes(0, ArrayRef{event.out.data(), event.out.size()});
        REQUIRE(event.out == written);
    }
    CHECK(resets > 10);
    CHECK(loads > 10);
    CHECK(reads > std::size_t(T) / 5);
    CHECK(arrivals > std::size_t(reads) * P * N / 20);
}
