// Runs over several processes without MPI: how units are dealt out, and a dry run (one process playing
// one rank of a larger run) stepping exactly its share.
#include <catch2/catch.hpp>

#include <algorithm>
#include <barrier>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <stdexcept>
#include <thread>

#include <spark/components/delays/n2n_delays.hpp>
#include <spark/core/error.hpp>
#include <spark/graph/processes.hpp>
#include <spark/graph/simulation.hpp>

using namespace spark;
using namespace spark::graph;

TEST_CASE("unit blocks deal a population out in contiguous lines of 64 units, by rank", "[graph][processes]") {
    for (std::size_t units : {1u, 63u, 64u, 65u, 800u, 4096u, 21915u}) {
        for (int ranks : {1, 2, 3, 7, 1024}) {
            std::size_t next = 0;
            for (int r = 0; r < ranks; ++r) {
                const UnitBlock b = unit_block(units, r, ranks);
                INFO(units << " units, rank " << r << " of " << ranks);
                REQUIRE(b.begin == next);
                REQUIRE(b.end >= b.begin);
                REQUIRE((b.begin % unit_block_grain == 0 || b.begin == units));
                REQUIRE((b.end % unit_block_grain == 0 || b.end == units));
                next = b.end;
            }
            REQUIRE(next == units);
        }
    }
    // Lines differ by at most one between ranks.
    const UnitBlock first = unit_block(21915, 0, 3), last = unit_block(21915, 2, 3);
    REQUIRE(first.end - first.begin == 114 * 64);
    REQUIRE(last.end == 21915);
}

TEST_CASE("a dry run names a rank outside its process count", "[graph][processes]") {
    REQUIRE_THROWS_AS(dry_run_processes(2, 2), Error);
    REQUIRE_THROWS_WITH(dry_run_processes(2, 2), Catch::Contains("rank must be in 0..1"));
    REQUIRE_THROWS_WITH(dry_run_processes(-1, 4), Catch::Contains("rank must be in 0..3"));
}

namespace {
// Poisson input into a population of somas: no recurrence, so every unit's spikes are a function of
// its own input only.
Network feedforward(std::size_t units) {
    Network net(Latency::same_step);
    net.seed = 3;
    net.add("bg", "poisson_source", {{"units", Value::List{static_cast<double>(units)}}, {"rate", 4000.0},
                                     {"weight", 60.0}, {"tau", 2.0}})
        .add("soma", "leaky_soma")
        .connect("bg.output", "soma.current")
        .output("spikes", "soma.spikes");
    return net;
}
}  // namespace

TEST_CASE("a dry run steps its rank's block exactly as a whole run does and leaves the others silent",
          "[graph][processes]") {
    const std::size_t units = 5000;
    const int ranks = 3, rank = GENERATE(0, 1, 2);
    const UnitBlock mine = unit_block(units, rank, ranks);
    auto whole = Simulation::build(feedforward(units));
    BuildOptions options;
    options.processes = dry_run_processes(rank, ranks);
    auto share = Simulation::build(feedforward(units), {}, options);
    std::size_t spikes = 0;
    for (int step = 0; step < 100; ++step) {
        whole.step();
        share.step();
        const auto a = whole.output("spikes").u8();
        const auto b = share.output("spikes").u8();
        for (std::size_t u = 0; u < units; ++u) {
            const bool in_block = u >= mine.begin && u < mine.end;
            if (in_block) spikes += (a[u] & spike::bit) != 0;
            if (in_block ? a[u] != b[u] : b[u] != 0) FAIL("step " << step << " unit " << u << ": " << int(a[u]) << " / " << int(b[u]));
        }
    }
    REQUIRE(spikes > 100);  // the block fired: the comparison saw spikes
    REQUIRE(options.processes->exchanges() == 100);  // one gather of the spikes per step
}

namespace {
// Spikes from a network input (whole on every process) into a synapse group with per-synapse delays
// (the sparse layout's spikes in flight), so the currents of a share depend on nothing exchanged.
Network delayed_group(std::size_t post) {
    Network net(Latency::same_step);
    net.seed = 5;
    net.add("syn", "traced_synapses",
            {{"units", Value::List{static_cast<double>(post)}}, {"tau", 2.0}, {"max_delay", 2.0},
             {"kernel", Value::Map{{"initializer", "sparse_uniform_initializer"}, {"scale", 10.0}, {"density", 0.1}}},
             {"delays", Value::Map{{"initializer", "uniform_initializer"}}}})
        .input("pre", "syn.spikes")
        .output("currents", "syn.currents");
    return net;
}
}  // namespace

TEST_CASE("a dry run steps the targets of its rank's block of a delayed synapse group exactly as a whole run does",
          "[graph][processes]") {
    const std::size_t pre = 400, post = 3000;
    const int ranks = 3, rank = GENERATE(0, 1, 2);
    const UnitBlock mine = unit_block(post, rank, ranks);
    const std::map<std::string, PortSpec> inputs{{"pre", PortSpec(PayloadKind::spikes, Shape{pre})}};
    auto whole = Simulation::build(delayed_group(post), inputs);
    BuildOptions options;
    options.processes = dry_run_processes(rank, ranks);
    auto share = Simulation::build(delayed_group(post), inputs, options);
    std::size_t driven = 0;
    for (int step = 0; step < 60; ++step) {
        for (Simulation* sim : {&whole, &share}) {
            auto codes = sim->input("pre").u8();
            for (std::size_t j = 0; j < pre; ++j)
                codes[j] = (j * 7 + static_cast<std::size_t>(step) * 3) % 29 == 0 ? spike::bit : 0;
            sim->step();
        }
        const auto a = whole.output("currents").f32();
        const auto b = share.output("currents").f32();
        for (std::size_t p = 0; p < post; ++p) {
            const bool in_block = p >= mine.begin && p < mine.end;
            if (in_block) driven += a[p] != 0.0f;
            // The other targets were never stepped here: their traces stay at rest.
            if (in_block ? std::memcmp(&a[p], &b[p], sizeof(float)) != 0 : b[p] != 0.0f)
                FAIL("step " << step << " target " << p << ": " << a[p] << " / " << b[p]);
        }
    }
    REQUIRE(driven > 1000);  // the delayed spikes arrived in the block: the comparison saw currents
}

namespace {
// R processes played by R threads of this one: all_gather through shared memory and a barrier.
class ThreadProcesses {
public:
    explicit ThreadProcesses(int size)
        : barrier_(size), parts_(static_cast<std::size_t>(size)), received_(static_cast<std::size_t>(size), 0) {}
    std::shared_ptr<ProcessGroup> member(int rank) { return std::make_shared<Member>(*this, rank); }
    // The bytes member `rank` has received through either collective so far.
    std::uint64_t received(int rank) const { return received_[static_cast<std::size_t>(rank)]; }

private:
    class Member final : public ProcessGroup {
    public:
        Member(ThreadProcesses& group, int rank) : group_(group), rank_(rank) {}
        int rank() const noexcept override { return rank_; }
        int size() const noexcept override { return static_cast<int>(group_.parts_.size()); }
        void all_gather(std::span<const std::byte> mine, std::vector<std::byte>& all,
                        std::vector<std::size_t>& counts) override {
            group_.parts_[static_cast<std::size_t>(rank_)].assign(mine.begin(), mine.end());
            group_.barrier_.arrive_and_wait();
            all.clear();
            counts.clear();
            for (const auto& part : group_.parts_) {
                all.insert(all.end(), part.begin(), part.end());
                counts.push_back(part.size());
            }
            group_.barrier_.arrive_and_wait();  // every member has read every part
            count_exchange(mine.size());
            group_.received_[static_cast<std::size_t>(rank_)] += all.size();
        }
        void gather(std::span<const std::byte> mine, std::vector<std::byte>& all, std::vector<std::size_t>& counts,
                    int root) override {
            group_.parts_[static_cast<std::size_t>(rank_)].assign(mine.begin(), mine.end());
            group_.barrier_.arrive_and_wait();
            all.clear();
            counts.assign(group_.parts_.size(), 0);
            if (rank_ == root)
                for (std::size_t r = 0; r < group_.parts_.size(); ++r) {
                    all.insert(all.end(), group_.parts_[r].begin(), group_.parts_[r].end());
                    counts[r] = group_.parts_[r].size();
                }
            group_.barrier_.arrive_and_wait();
            count_exchange(mine.size());
            group_.received_[static_cast<std::size_t>(rank_)] += all.size();
        }

    private:
        ThreadProcesses& group_;
        int rank_;
    };
    std::barrier<> barrier_;
    std::vector<std::vector<std::byte>> parts_;
    std::vector<std::uint64_t> received_;  // per member
};

// E and I populations with an inhibition mask, recurrent previous-step wires (exchanged spikes) and
// Poisson input.
Network excitation_inhibition() {
    Network net(Latency::same_step);
    net.seed = 11;
    auto soma = [](double units) {
        return Overrides{{"units", Value::List{units}}, {"potential_rest", -49.0}, {"potential_reset", -60.0},
                         {"threshold", -50.0}, {"potential_tau", 20.0}, {"resistance", 1.0}};
    };
    auto synapses = [](double units, double weight) {
        return Overrides{{"units", Value::List{units}}, {"tau", 5.0},
                         {"kernel", Value::Map{{"initializer", "sparse_constant_initializer"}, {"scale", weight},
                                               {"density", 0.05}}}};
    };
    net.add("E", "leaky_soma", soma(1000))
        .add("I", "leaky_soma", soma(300))
        .add("I_sign", "inhibition_mask", {{"units", Value::List{300.0}}, {"inhibitory_rate", 1.0}})
        .add("bg_E", "poisson_source", {{"units", Value::List{1000.0}}, {"rate", 900.0}, {"weight", 0.7}})
        .add("bg_I", "poisson_source", {{"units", Value::List{300.0}}, {"rate", 900.0}, {"weight", 0.7}})
        .add("ie", "traced_synapses", synapses(300, 2.0))
        .add("ei", "traced_synapses", synapses(1000, 6.0))
        .connect("I_sign.mask", "I.inhibition_mask")
        .connect("E.spikes", "ie.spikes", Latency::previous_step)
        .connect("I.spikes", "ei.spikes", Latency::previous_step)
        .connect("ie.currents", "I.current")
        .connect("bg_I.output", "I.current")
        .connect("ei.currents", "E.current")
        .connect("bg_E.output", "E.current")
        .output("E", "E.spikes")
        .output("I", "I.spikes");
    return net;
}

// Every step's codes of E and I, over `steps` steps, a reset, and `steps` more.
std::vector<std::uint8_t> codes_around_reset(Simulation& sim, int steps) {
    std::vector<std::uint8_t> codes;
    for (int round = 0; round < 2; ++round) {
        for (int step = 0; step < steps; ++step) {
            sim.step();
            for (const char* name : {"E", "I"}) {
                const auto out = sim.output(name).u8();
                codes.insert(codes.end(), out.begin(), out.end());
            }
        }
        sim.reset();
    }
    return codes;
}
}  // namespace

TEST_CASE("two processes give one process's spikes before and after a reset, inhibitory spikes included",
          "[graph][processes]") {
    auto whole = Simulation::build(excitation_inhibition());
    const std::vector<std::uint8_t> expected = codes_around_reset(whole, 60);
    std::size_t inhibitory = 0;
    for (std::uint8_t c : expected) inhibitory += (c & spike::bit) && (c & spike::inhibitory);
    REQUIRE(inhibitory > 50);  // I fired: the exchanged codes carry the inhibition bit
    ThreadProcesses processes(2);
    std::vector<std::vector<std::uint8_t>> got(2);
    std::vector<std::string> errors(2);
    std::vector<std::thread> threads;
    for (int rank = 0; rank < 2; ++rank)
        threads.emplace_back([&, rank] {
            try {
                BuildOptions options;
                options.processes = processes.member(rank);
                auto sim = Simulation::build(excitation_inhibition(), {}, options);
                got[static_cast<std::size_t>(rank)] = codes_around_reset(sim, 60);
            } catch (const std::exception& e) {
                errors[static_cast<std::size_t>(rank)] = e.what();
            }
        });
    for (auto& t : threads) t.join();
    for (int rank = 0; rank < 2; ++rank) {
        INFO("rank " << rank << ": " << errors[static_cast<std::size_t>(rank)]);
        REQUIRE(got[static_cast<std::size_t>(rank)] == expected);
    }
}

namespace {
// The codes of E and I after every step of `steps`.
std::vector<std::vector<std::uint8_t>> run_codes(Simulation& sim, int steps, SpikeReplay* record = nullptr) {
    std::vector<std::vector<std::uint8_t>> codes;
    sim.run(steps, [&](const Simulation& s) {
        if (record) record->record(s);
        std::vector<std::uint8_t> step;
        for (const char* name : {"E", "I"}) {
            const auto out = s.read(name, "spikes").u8();
            step.insert(step.end(), out.begin(), out.end());
        }
        codes.push_back(std::move(step));
    });
    return codes;
}

std::string temp_path(const std::string& name) {
    return (std::filesystem::temp_directory_path() / ("spark_test_processes_" + name)).string();
}
}  // namespace

TEST_CASE("a dry run replaying a recorded run's spikes steps its block exactly as that run does",
          "[graph][processes]") {
    const int steps = 80, rank = GENERATE(0, 1);
    auto whole = Simulation::build(excitation_inhibition());
    SpikeReplay recorded;
    const auto expected = run_codes(whole, steps, &recorded);
    REQUIRE(recorded.steps() == steps);
    const std::string path = temp_path("replay.bin");
    recorded.save(path);
    auto replay = std::make_shared<const SpikeReplay>(SpikeReplay::load(path));
    std::filesystem::remove(path);

    BuildOptions replaying, silent;
    replaying.processes = dry_run_processes(rank, 2, replay);
    silent.processes = dry_run_processes(rank, 2);
    auto dry = Simulation::build(excitation_inhibition(), {}, replaying);
    auto alone = Simulation::build(excitation_inhibition(), {}, silent);
    const auto got = run_codes(dry, steps), without = run_codes(alone, steps);
    // Rank `rank`'s units of E (1000) and I (300), in the order run_codes() lists them.
    std::vector<std::size_t> mine;
    for (auto [offset, units] : {std::pair<std::size_t, std::size_t>{0, 1000}, {1000, 300}}) {
        const UnitBlock b = unit_block(units, rank, 2);
        for (std::size_t u = b.begin; u < b.end; ++u) mine.push_back(offset + u);
    }
    std::size_t spikes = 0, differ_without = 0;
    for (int step = 0; step < steps; ++step)
        for (std::size_t u : mine) {
            const auto s = static_cast<std::size_t>(step);
            spikes += (expected[s][u] & spike::bit) != 0;
            differ_without += expected[s][u] != without[s][u];
            if (expected[s][u] != got[s][u])
                FAIL("step " << step << " unit " << u << ": " << int(expected[s][u]) << " / " << int(got[s][u]));
        }
    REQUIRE(spikes > 100);
    REQUIRE(differ_without > 0);  // the other ranks' spikes matter: silent ones change the block's
}

TEST_CASE("a spike recording that cannot be read, or is shorter than the dry run, is named in the error",
          "[graph][processes]") {
    REQUIRE_THROWS_AS(SpikeReplay::load(temp_path("missing.bin")), Error);
    REQUIRE_THROWS_WITH(SpikeReplay::load(temp_path("missing.bin")), Catch::Contains("cannot open the spike recording"));
    const std::string path = temp_path("bad.bin");
    std::ofstream(path) << "spikes.csv, not a recording";
    REQUIRE_THROWS_WITH(SpikeReplay::load(path), Catch::Contains("not a file of SpikeReplay::save"));
    auto sim = Simulation::build(excitation_inhibition());
    SpikeReplay recorded;
    (void)run_codes(sim, 5, &recorded);
    recorded.save(path);
    std::filesystem::resize_file(path, std::filesystem::file_size(path) - 3);
    REQUIRE_THROWS_WITH(SpikeReplay::load(path), Catch::Contains(path) && Catch::Contains("cut short"));
    std::filesystem::remove(path);
    if (std::filesystem::exists("/dev/full")) {  // takes no byte (ENOSPC), as a full disk
        REQUIRE_THROWS_AS(recorded.save("/dev/full"), FileError);
        REQUIRE_THROWS_WITH(recorded.save("/dev/full"), Catch::Contains("/dev/full") &&
                                                            Catch::Contains("No space left on device"));
    }

    BuildOptions options;
    options.processes = dry_run_processes(0, 2, std::make_shared<const SpikeReplay>(recorded));
    auto dry = Simulation::build(excitation_inhibition(), {}, options);
    dry.run(5);
    REQUIRE_THROWS_AS(dry.step(), Error);
    REQUIRE_THROWS_WITH(dry.step(), Catch::Contains("the spike recording holds 5 steps"));
}

namespace {
// Every state array of a simulation by name (its bytes), as a snapshot holds it.
class StateCopy final : public StateVisitor {
public:
    explicit StateCopy(StateAccess access) : StateVisitor(access) {}
    void visit(std::string_view name, DType dtype, void* data, std::size_t count) override {
        auto& bytes = arrays[std::string(name)];
        auto* p = static_cast<std::byte*>(data);
        if (writes()) {  // (on a thread-process: no REQUIRE here)
            if (bytes.size() != count * size_of(dtype)) throw std::runtime_error("no saved " + std::string(name));
            std::memcpy(p, bytes.data(), bytes.size());
        } else {
            bytes.assign(p, p + count * size_of(dtype));
        }
    }
    std::map<std::string, std::vector<std::byte>> arrays;
};

// The delayed group's currents over `steps` steps of a fixed input pattern starting at `first`.
std::vector<float> delayed_currents(Simulation& sim, int first, int steps) {
    std::vector<float> currents;
    for (int step = first; step < first + steps; ++step) {
        auto codes = sim.input("pre").u8();
        for (std::size_t j = 0; j < codes.size(); ++j)
            codes[j] = (j * 7 + static_cast<std::size_t>(step) * 3) % 29 == 0 ? spike::bit : 0;
        sim.step();
        const auto out = sim.output("currents").f32();
        currents.insert(currents.end(), out.begin(), out.end());
    }
    return currents;
}

// Runs `body(rank, sim)` on `ranks` thread-processes building `net`; returns each rank's error, if any.
template <class Body>
std::vector<std::string> on_processes(ThreadProcesses& processes, int ranks, const Network& net,
                                      const std::map<std::string, PortSpec>& inputs, Body&& body) {
    std::vector<std::string> errors(static_cast<std::size_t>(ranks));
    std::vector<std::thread> threads;
    for (int rank = 0; rank < ranks; ++rank)
        threads.emplace_back([&, rank] {
            try {
                BuildOptions options;
                options.processes = processes.member(rank);
                auto sim = Simulation::build(net, inputs, options);
                body(rank, sim);
            } catch (const std::exception& e) {
                errors[static_cast<std::size_t>(rank)] = e.what();
            }
        });
    for (auto& t : threads) t.join();
    return errors;
}
template <class Body>
std::vector<std::string> on_processes(int ranks, const Network& net, const std::map<std::string, PortSpec>& inputs,
                                      Body&& body) {
    ThreadProcesses processes(ranks);
    return on_processes(processes, ranks, net, inputs, std::forward<Body>(body));
}

// `net` (one synapse group `syn` fed by the input `pre`) for 40 steps on 3 processes: the currents of one
// process, and every process gathers its state bit for bit; that state loaded on 2 processes continues
// with one process's currents for 30 steps. `kept` names arrays the state must hold.
void require_saved_on_3_continue_on_2(const Network& net, const std::map<std::string, PortSpec>& inputs,
                                      std::initializer_list<const char*> kept) {
    auto whole = Simulation::build(net, inputs);
    const std::vector<float> first = delayed_currents(whole, 0, 40);
    StateCopy saved(StateAccess::read);
    whole.visit_state(saved);
    for (const char* name : kept) REQUIRE(saved.arrays.count(name) == 1);
    const std::vector<float> then = delayed_currents(whole, 40, 30);

    std::vector<std::map<std::string, std::vector<std::byte>>> gathered(3);
    std::vector<std::vector<float>> currents(3);
    auto errors = on_processes(3, net, inputs, [&](int rank, Simulation& sim) {
        currents[static_cast<std::size_t>(rank)] = delayed_currents(sim, 0, 40);
        sim.gather_state();
        StateCopy state(StateAccess::read);
        sim.visit_state(state);
        gathered[static_cast<std::size_t>(rank)] = state.arrays;
    });
    for (std::size_t rank = 0; rank < 3; ++rank) {
        INFO("rank " << rank << ": " << errors[rank]);
        REQUIRE(errors[rank].empty());
        REQUIRE(currents[rank] == first);
        REQUIRE(gathered[rank] == saved.arrays);
    }
    errors = on_processes(2, net, inputs, [&](int rank, Simulation& sim) {
        StateCopy load(StateAccess::write);
        load.arrays = saved.arrays;
        sim.visit_state(load);
        currents[static_cast<std::size_t>(rank)] = delayed_currents(sim, 40, 30);
    });
    for (std::size_t rank = 0; rank < 2; ++rank) {
        INFO("rank " << rank << ": " << errors[rank]);
        REQUIRE(errors[rank].empty());
        REQUIRE(currents[rank] == then);
    }
}
}  // namespace

TEST_CASE("processes keeping only the synapses onto their own targets save one process's state and load it back",
          "[graph][processes]") {
    const std::map<std::string, PortSpec> inputs{{"pre", PortSpec(PayloadKind::spikes, Shape{400})}};
    require_saved_on_3_continue_on_2(delayed_group(3000), inputs, {"syn/kernel_values", "syn/delay_spikes"});
}

TEST_CASE("a process keeping only the synapses onto its own targets refuses to serve the whole kernel",
          "[graph][processes]") {
    const std::map<std::string, PortSpec> inputs{{"pre", PortSpec(PayloadKind::spikes, Shape{400})}};
    BuildOptions options;
    options.processes = dry_run_processes(1, 3);
    auto share = Simulation::build(delayed_group(3000), inputs, options);
    REQUIRE_THROWS_AS(share.read("syn", "kernel"), Error);
    REQUIRE_THROWS_WITH(share.read("syn", "kernel"), Catch::Contains("syn") && Catch::Contains("its own targets"));
}

namespace {
// A synapse group whose kernel a Hebbian rule learns, from a network input (whole on every process)
// onto a soma: the soma's block of units depends only on the kernel rows of its own targets.
Network plastic_group(std::size_t post) {
    Network net(Latency::same_step);
    net.seed = 9;
    net.add("syn", "traced_synapses",
            {{"units", Value::List{static_cast<double>(post)}}, {"tau", 2.0}, {"layout", "dense"},
             {"kernel", Value::Map{{"initializer", "uniform_initializer"}, {"scale", 1.5}}}})
        .add("soma", "leaky_soma",
             {{"units", Value::List{static_cast<double>(post)}}, {"potential_rest", -60.0}, {"potential_reset", -65.0},
              {"threshold", -50.0}, {"potential_tau", 10.0}, {"resistance", 1.0}})
        .add("rule", "hebbian_rule", {{"eta", 0.05}})
        .input("pre", "syn.spikes")
        .input("pre", "rule.pre_spikes")
        .connect("syn.currents", "soma.current")
        .connect("soma.spikes", "rule.post_spikes")
        .connect("syn.kernel", "rule.kernel")
        .effect("syn.kernel", "rule.kernel")
        .output("spikes", "soma.spikes");
    return net;
}

// `steps` steps of a fixed input pattern starting at `first`: every step's spikes of the soma.
std::vector<std::uint8_t> plastic_spikes(Simulation& sim, int first, int steps) {
    std::vector<std::uint8_t> codes;
    for (int step = first; step < first + steps; ++step) {
        auto pre = sim.input("pre").u8();
        for (std::size_t j = 0; j < pre.size(); ++j)
            pre[j] = (j * 5 + static_cast<std::size_t>(step) * 3) % 7 == 0 ? spike::bit : 0;
        sim.step();
        const auto out = sim.output("spikes").u8();
        codes.insert(codes.end(), out.begin(), out.end());
    }
    return codes;
}
}  // namespace

TEST_CASE("a dry run of a plastic synapse group learns the kernel rows of its rank's targets only, as a whole run does",
          "[graph][processes]") {
    const std::size_t pre = 200, post = 500;
    const int ranks = 3, rank = GENERATE(0, 1, 2);
    const UnitBlock mine = unit_block(post, rank, ranks);
    const std::map<std::string, PortSpec> inputs{{"pre", PortSpec(PayloadKind::spikes, Shape{pre})}};
    auto whole = Simulation::build(plastic_group(post), inputs);
    const auto first = whole.read("syn", "kernel").f32();
    const std::vector<float> initial(first.begin(), first.end());
    const auto expected = plastic_spikes(whole, 0, 60);
    BuildOptions options;
    options.processes = dry_run_processes(rank, ranks);
    auto share = Simulation::build(plastic_group(post), inputs, options);
    const auto got = plastic_spikes(share, 0, 60);
    const auto learned = whole.read("syn", "kernel").f32();
    const auto kept = share.read("syn", "kernel").f32();  // a dry run gathers nothing from the others
    std::size_t fired = 0, changed = 0, released = 0;
    for (std::size_t step = 0; step < 60; ++step)
        for (std::size_t u = mine.begin; u < mine.end; ++u) {
            fired += (expected[step * post + u] & spike::bit) != 0;
            if (expected[step * post + u] != got[step * post + u]) FAIL("step " << step << " unit " << u);
        }
    for (std::size_t p = 0; p < post; ++p) {
        const bool in_block = p >= mine.begin && p < mine.end;
        for (std::size_t q = 0; q < pre; ++q) {
            const std::size_t i = p * pre + q;
            if (in_block) changed += learned[i] != initial[i];
            // The other rows were never updated here: the initial kernel, or zeros where their memory
            // was handed back (whole pages of other rows only).
            released += !in_block && kept[i] == 0.0f;
            const bool as_expected = in_block ? std::memcmp(&kept[i], &learned[i], sizeof(float)) == 0
                                              : std::memcmp(&kept[i], &initial[i], sizeof(float)) == 0 || kept[i] == 0.0f;
            if (!as_expected)
                FAIL("row " << p << " column " << q << ": " << kept[i] << " (learned " << learned[i] << ", initial "
                            << initial[i] << ")");
        }
    }
    REQUIRE(fired > 100);   // the block's targets fired: the rule's post term ran
    REQUIRE(changed > 1000);  // and the block's rows learned
#if defined(__linux__)
    REQUIRE(released > (post - (mine.end - mine.begin)) * pre / 2);  // most other rows are not held
#endif
}

TEST_CASE("processes learning the kernel rows of their own targets give one process's spikes and state, and "
          "continue from it",
          "[graph][processes]") {
    const std::size_t pre = 200, post = 500;
    const std::map<std::string, PortSpec> inputs{{"pre", PortSpec(PayloadKind::spikes, Shape{pre})}};
    auto whole = Simulation::build(plastic_group(post), inputs);
    const auto first = plastic_spikes(whole, 0, 40);
    StateCopy saved(StateAccess::read);
    whole.visit_state(saved);
    REQUIRE(saved.arrays.count("syn/kernel") == 1);
    REQUIRE(saved.arrays.count("rule/post_trace") == 1);
    const auto then = plastic_spikes(whole, 40, 30);
    StateCopy final_state(StateAccess::read);
    whole.visit_state(final_state);

    for (int ranks : {2, 3}) {
        std::vector<std::map<std::string, std::vector<std::byte>>> gathered(static_cast<std::size_t>(ranks));
        std::vector<std::vector<std::uint8_t>> spikes(static_cast<std::size_t>(ranks));
        auto errors = on_processes(ranks, plastic_group(post), inputs, [&](int rank, Simulation& sim) {
            spikes[static_cast<std::size_t>(rank)] = plastic_spikes(sim, 0, 40);
            sim.gather_state();
            StateCopy state(StateAccess::read);
            sim.visit_state(state);
            gathered[static_cast<std::size_t>(rank)] = state.arrays;
        });
        for (std::size_t rank = 0; rank < static_cast<std::size_t>(ranks); ++rank) {
            INFO(ranks << " processes, rank " << rank << ": " << errors[rank]);
            REQUIRE(errors[rank].empty());
            REQUIRE(spikes[rank] == first);
            REQUIRE(gathered[rank] == saved.arrays);
        }
        // Loaded: the same continuation and final state as one process.
        errors = on_processes(ranks, plastic_group(post), inputs, [&](int rank, Simulation& sim) {
            StateCopy load(StateAccess::write);
            load.arrays = saved.arrays;
            sim.visit_state(load);
            spikes[static_cast<std::size_t>(rank)] = plastic_spikes(sim, 40, 30);
            sim.gather_state();
            StateCopy state(StateAccess::read);
            sim.visit_state(state);
            gathered[static_cast<std::size_t>(rank)] = state.arrays;
        });
        for (std::size_t rank = 0; rank < static_cast<std::size_t>(ranks); ++rank) {
            INFO(ranks << " processes, rank " << rank << ": " << errors[rank]);
            REQUIRE(errors[rank].empty());
            REQUIRE(spikes[rank] == then);
            REQUIRE(gathered[rank] == final_state.arrays);
        }
    }
}

namespace {
// The delayed group of delayed_group() with a dense kernel: its delays deliver through a ring of
// per-target input, one column per target.
Network dense_delayed_group(std::size_t post) {
    Network net(Latency::same_step);
    net.seed = 5;
    net.add("syn", "traced_synapses",
            {{"units", Value::List{static_cast<double>(post)}}, {"tau", 2.0}, {"max_delay", 2.0}, {"layout", "dense"},
             {"kernel", Value::Map{{"initializer", "uniform_initializer"}, {"scale", 1.0}}},
             {"delays", Value::Map{{"initializer", "uniform_initializer"}}}})
        .input("pre", "syn.spikes")
        .output("currents", "syn.currents");
    return net;
}
}  // namespace

TEST_CASE("processes stepping their own targets of a dense delayed group give one process's currents and state, "
          "and continue from it",
          "[graph][processes]") {
    const std::map<std::string, PortSpec> inputs{{"pre", PortSpec(PayloadKind::spikes, Shape{300})}};
    require_saved_on_3_continue_on_2(dense_delayed_group(700), inputs, {"syn/kernel", "syn/delay_ring"});
}

namespace {
// `net` stepped by `run(sim, first, steps)` for 40 steps on 3 processes, then its state gathered to rank 0
// only (a snapshot save): rank 0 visits one process's state; the others received none of it and refuse
// a visit; every process then continues for 30 steps and gathers one process's final state.
template <class Run>
void require_gathered_to_rank_0(const Network& net, const std::map<std::string, PortSpec>& inputs, Run&& run) {
    auto whole = Simulation::build(net, inputs);
    const auto first = run(whole, 0, 40);
    StateCopy saved(StateAccess::read);
    whole.visit_state(saved);
    const auto then = run(whole, 40, 30);
    StateCopy final_state(StateAccess::read);
    whole.visit_state(final_state);

    ThreadProcesses processes(3);
    std::vector<std::map<std::string, std::vector<std::byte>>> gathered(3), finals(3);
    std::vector<std::uint64_t> received(3);
    std::vector<std::string> refused(3);
    std::vector<int> continued(3);  // (not vector<bool>: each thread writes its own element)
    auto errors = on_processes(processes, 3, net, inputs, [&](int rank, Simulation& sim) {
        const auto r = static_cast<std::size_t>(rank);
        continued[r] = run(sim, 0, 40) == first;
        const std::uint64_t before = processes.received(rank);
        sim.gather_state_to(0);
        received[r] = processes.received(rank) - before;
        StateCopy state(StateAccess::read);
        try {
            sim.visit_state(state);
            gathered[r] = state.arrays;
        } catch (const Error& e) {
            refused[r] = e.what();
        }
        continued[r] = continued[r] && run(sim, 40, 30) == then;
        sim.gather_state();
        StateCopy last(StateAccess::read);
        sim.visit_state(last);
        finals[r] = last.arrays;
    });
    for (std::size_t rank = 0; rank < 3; ++rank) {
        INFO("rank " << rank << ": " << errors[rank]);
        REQUIRE(errors[rank].empty());
        REQUIRE(continued[rank] == 1);
        REQUIRE(finals[rank] == final_state.arrays);
        if (rank == 0) {
            REQUIRE(refused[rank].empty());
            REQUIRE(gathered[rank] == saved.arrays);
            REQUIRE(received[rank] > 0);
        } else {
            REQUIRE(received[rank] == 0);
            REQUIRE_THAT(refused[rank], Catch::Contains("rank " + std::to_string(rank) + " visits the state") &&
                                            Catch::Contains("gathered to rank 0 only") &&
                                            Catch::Contains("gather_state"));
        }
    }
}
}  // namespace

TEST_CASE("processes gathering their state to rank 0 only give it one process's state, send the others none, "
          "and continue as one process",
          "[graph][processes]") {
    SECTION("a dense group learning its rows") {
        const std::map<std::string, PortSpec> inputs{{"pre", PortSpec(PayloadKind::spikes, Shape{200})}};
        require_gathered_to_rank_0(plastic_group(500), inputs, plastic_spikes);
    }
    SECTION("a sparse delayed group keeping the synapses onto its targets") {
        const std::map<std::string, PortSpec> inputs{{"pre", PortSpec(PayloadKind::spikes, Shape{400})}};
        require_gathered_to_rank_0(delayed_group(3000), inputs, delayed_currents);
    }
    SECTION("a dense delayed group stepping its targets' ring columns") {
        const std::map<std::string, PortSpec> inputs{{"pre", PortSpec(PayloadKind::spikes, Shape{300})}};
        require_gathered_to_rank_0(dense_delayed_group(700), inputs, delayed_currents);
    }
}

TEST_CASE("a gather of the state to a rank outside the process count is refused", "[graph][processes]") {
    BuildOptions options;
    options.processes = dry_run_processes(1, 3);
    auto share = Simulation::build(feedforward(500), {}, options);
    REQUIRE_THROWS_AS(share.gather_state_to(3), Error);
    REQUIRE_THROWS_WITH(share.gather_state_to(3), Catch::Contains("gather_state_to(3)") && Catch::Contains("0..2"));
    REQUIRE_THROWS_WITH(share.gather_state_to(-1), Catch::Contains("0..2"));
}

TEST_CASE("a dry run steps the targets of its rank's block of a dense delayed group exactly as a whole run does",
          "[graph][processes]") {
    const std::size_t pre = 300, post = 700;
    const int ranks = 3, rank = GENERATE(0, 1, 2);
    const UnitBlock mine = unit_block(post, rank, ranks);
    const std::map<std::string, PortSpec> inputs{{"pre", PortSpec(PayloadKind::spikes, Shape{pre})}};
    auto whole = Simulation::build(dense_delayed_group(post), inputs);
    BuildOptions options;
    options.processes = dry_run_processes(rank, ranks);
    auto share = Simulation::build(dense_delayed_group(post), inputs, options);
    const std::vector<float> a = delayed_currents(whole, 0, 40), b = delayed_currents(share, 0, 40);
    std::size_t driven = 0;
    for (std::size_t step = 0; step < 40; ++step)
        for (std::size_t p = 0; p < post; ++p) {
            const std::size_t i = step * post + p;
            const bool in_block = p >= mine.begin && p < mine.end;
            if (in_block) driven += a[i] != 0.0f;
            // The other targets were never stepped here: their traces stay at rest.
            if (in_block ? std::memcmp(&a[i], &b[i], sizeof(float)) != 0 : b[i] != 0.0f)
                FAIL("step " << step << " target " << p << ": " << a[i] << " / " << b[i]);
        }
    REQUIRE(driven > 1000);
}

namespace {
// How ei, the group I's spikes cross processes into, delivers them: delayed like ie (sparse, 3 steps),
// on time, or through a dense kernel's ring with delays of 3 to 8 steps (every process reading every
// spike into the ring columns of its own targets), that kernel learned by a Hebbian rule or not.
enum class EiDelays { sparse, none, dense, dense_learned };
const char* to_string(EiDelays ei) {
    switch (ei) {
    case EiDelays::sparse: return "sparse, delayed";
    case EiDelays::none: return "on time";
    case EiDelays::dense: return "dense, delayed";
    case EiDelays::dense_learned: return "dense, delayed, learned";
    }
    return "";
}
// Whether spikes cross processes into ei on time: undelayed, or a learned ring (which takes the
// weights when a spike is added to it: a late spike would take a later kernel).
bool ei_on_time(EiDelays ei) { return ei == EiDelays::none || ei == EiDelays::dense_learned; }

// E and I as in excitation_inhibition() (faster somas, stronger input) at dt = 0.1 ms, with ie delayed by
// 3 steps (B = 3; a constant initializer, which delays take as B) and ei as `ei` says; I has `i_units`
// units (under 64: one line, which rank 0 owns).
Network delayed_excitation_inhibition(EiDelays ei = EiDelays::sparse, double i_units = 300) {
    Network delayed(Latency::same_step);
    delayed.seed = 11;
    delayed.dt = 0.1;
    auto synapses = [](double units, double weight, EiDelays delays) {
        Overrides o{{"units", Value::List{units}}, {"tau", 5.0},
                    {"kernel", Value::Map{{"initializer", "sparse_constant_initializer"}, {"scale", weight},
                                          {"density", 0.05}}}};
        if (delays == EiDelays::sparse) {
            o.emplace_back("max_delay", 0.3);
            o.emplace_back("delays", Value::Map{{"initializer", "constant_initializer"}});
        } else if (delays == EiDelays::dense || delays == EiDelays::dense_learned) {  // 3 + 9 U steps, clamped to B = 8
            o.emplace_back("layout", "dense");
            o.emplace_back("max_delay", 0.8);
            o.emplace_back("delays", Value::Map{{"initializer", "uniform_initializer"}, {"offset", 3.0}});
        }
        return o;
    };
    auto soma = [](double units) {
        return Overrides{{"units", Value::List{units}}, {"potential_rest", -49.0}, {"potential_reset", -60.0},
                         {"threshold", -50.0}, {"potential_tau", 2.0}, {"resistance", 1.0}};
    };
    delayed.add("E", "leaky_soma", soma(1000))
        .add("I", "leaky_soma", soma(i_units))
        .add("I_sign", "inhibition_mask", {{"units", Value::List{i_units}}, {"inhibitory_rate", 1.0}})
        .add("bg_E", "poisson_source", {{"units", Value::List{1000.0}}, {"rate", 9000.0}, {"weight", 0.7}})
        .add("bg_I", "poisson_source", {{"units", Value::List{i_units}}, {"rate", 9000.0}, {"weight", 0.7}})
        .add("ie", "traced_synapses", synapses(i_units, 2.0, EiDelays::sparse))
        .add("ei", "traced_synapses", synapses(1000, 6.0, ei))
        .connect("I_sign.mask", "I.inhibition_mask")
        .connect("E.spikes", "ie.spikes", Latency::previous_step)
        .connect("I.spikes", "ei.spikes", Latency::previous_step)
        .connect("ie.currents", "I.current")
        .connect("bg_I.output", "I.current")
        .connect("ei.currents", "E.current")
        .connect("bg_E.output", "E.current")
        .output("E", "E.spikes")
        .output("I", "I.spikes");
    if (ei == EiDelays::dense_learned)
        delayed.add("ei_rule", "hebbian_rule", {{"eta", 0.01}})
            .connect("I.spikes", "ei_rule.pre_spikes", Latency::previous_step)
            .connect("E.spikes", "ei_rule.post_spikes")
            .connect("ei.kernel", "ei_rule.kernel")
            .effect("ei.kernel", "ei_rule.kernel");
    return delayed;
}

struct EpochRun {
    std::size_t epoch = 0;
    std::uint64_t spike_exchanges = 0;
    std::map<std::string, std::vector<std::byte>> state;
    std::string error;
};

// Each of `ranks` thread-processes runs `net` for `steps` steps without reading anything in between,
// then gathers its state.
std::vector<EpochRun> run_on_processes(int ranks, const Network& net, int steps, bool overlap) {
    ThreadProcesses processes(ranks);
    std::vector<EpochRun> runs(static_cast<std::size_t>(ranks));
    std::vector<std::thread> threads;
    for (int rank = 0; rank < ranks; ++rank)
        threads.emplace_back([&, rank] {
            EpochRun& run = runs[static_cast<std::size_t>(rank)];
            try {
                BuildOptions options;
                options.processes = processes.member(rank);
                options.processes->set_overlap(overlap);
                auto sim = Simulation::build(net, {}, options);
                run.epoch = options.processes->epoch_steps();
                sim.run(steps);
                run.spike_exchanges = options.processes->spike_exchanges();
                sim.gather_state();
                StateCopy state(StateAccess::read);
                sim.visit_state(state);
                run.state = state.arrays;
            } catch (const std::exception& e) {
                run.error = e.what();
            }
        });
    for (auto& t : threads) t.join();
    return runs;
}

// One process's state after `steps` steps, and how many spikes E and I fired in them.
std::map<std::string, std::vector<std::byte>> state_after(const Network& net, int steps, std::size_t& spikes) {
    auto sim = Simulation::build(net);
    spikes = 0;
    sim.run(steps, [&](const Simulation& s) {
        for (const char* name : {"E", "I"})
            for (const std::uint8_t code : s.read(name, "spikes").u8()) spikes += (code & spike::bit) != 0;
    });
    StateCopy state(StateAccess::read);
    sim.visit_state(state);
    return state.arrays;
}
}  // namespace

TEST_CASE("the epoch is one step plus the shortest delay of the groups spikes cross processes into, one step when one has no delay",
          "[graph][processes]") {
    for (const bool overlap : {false, true})
        for (const EiDelays ei : {EiDelays::sparse, EiDelays::none, EiDelays::dense, EiDelays::dense_learned}) {
            const auto runs = run_on_processes(2, delayed_excitation_inhibition(ei), 0, overlap);
            for (const EpochRun& run : runs) {
                INFO("ei " << to_string(ei) << ", overlap " << overlap << ": " << run.error);
                REQUIRE(run.error.empty());
                // Overlapped: half the latency (an epoch's spikes are handed at the end of the next).
                REQUIRE(run.epoch == (ei_on_time(ei) ? 1u : overlap ? 2u : 4u));
            }
        }
    BuildOptions options;  // a dry run sees the same delays
    options.processes = dry_run_processes(1, 4);
    options.processes->set_overlap(false);
    (void)Simulation::build(delayed_excitation_inhibition(), {}, options);
    REQUIRE(options.processes->epoch_steps() == 4);
}

TEST_CASE("spikes cross processes once per epoch with one process's state, partial epochs included",
          "[graph][processes]") {
    const int steps = 62;
    for (const EiDelays ei : {EiDelays::sparse, EiDelays::none, EiDelays::dense, EiDelays::dense_learned}) {
        const Network net = delayed_excitation_inhibition(ei);
        std::size_t spikes = 0;
        const auto expected = state_after(net, steps, spikes);
        REQUIRE(spikes > 200);  // the spikes crossing processes matter
        for (const int ranks : {2, 3})
            for (const bool overlap : {false, true}) {
                const auto runs = run_on_processes(ranks, net, steps, overlap);
                for (const EpochRun& run : runs) {
                    INFO(ranks << " processes, ei " << to_string(ei) << ", overlap " << overlap << ": " << run.error);
                    REQUIRE(run.error.empty());
                    // Epochs of 4 steps: 15 and the last 2; overlapped, of 2: 31.
                    REQUIRE(run.spike_exchanges == (ei_on_time(ei) ? 62u : overlap ? 31u : 16u));
                    REQUIRE(run.state == expected);
                }
            }
    }
}

TEST_CASE("a process that keeps no synapse of a delayed group (it owns none of its targets) takes its spikes any "
          "time late: the epoch stays, with one process's state",
          "[graph][processes]") {
    const int steps = 62;
    const Network net = delayed_excitation_inhibition(EiDelays::sparse, 40);  // ie's targets: rank 0's
    std::size_t spikes = 0;
    const auto expected = state_after(net, steps, spikes);
    REQUIRE(spikes > 200);
    for (const int ranks : {2, 3})
        for (const bool overlap : {false, true}) {
            const auto runs = run_on_processes(ranks, net, steps, overlap);
            for (const EpochRun& run : runs) {
                INFO(ranks << " processes, overlap " << overlap << ": " << run.error);
                REQUIRE(run.error.empty());
                REQUIRE(run.epoch == (overlap ? 2u : 4u));
                REQUIRE(run.state == expected);
            }
        }
}

TEST_CASE("processes exchanging spikes per epoch give one process's spikes step by step, before and after a reset",
          "[graph][processes]") {
    const EiDelays ei = GENERATE(EiDelays::sparse, EiDelays::dense);
    auto whole = Simulation::build(delayed_excitation_inhibition(ei));
    const std::vector<std::uint8_t> expected = codes_around_reset(whole, 30);
    std::vector<std::vector<std::uint8_t>> got(2);
    auto errors = on_processes(2, delayed_excitation_inhibition(ei), {}, [&](int rank, Simulation& sim) {
        got[static_cast<std::size_t>(rank)] = codes_around_reset(sim, 30);
    });
    for (std::size_t rank = 0; rank < 2; ++rank) {
        INFO("ei " << to_string(ei) << ", rank " << rank << ": " << errors[rank]);
        REQUIRE(errors[rank].empty());
        REQUIRE(got[rank] == expected);
    }
}

namespace {
// 400 units driving themselves through N2N delays of 1-4 steps into a dense group (per-synapse input),
// with Poisson input; with `rule`, a Hebbian rule learns the group's kernel from the delayed spikes.
Network n2n_recurrent(bool rule) {
    Network net(Latency::same_step);
    net.seed = 13;
    net.dt = 0.1;
    net.add("E", "leaky_soma",
            {{"units", Value::List{400.0}}, {"potential_rest", -49.0}, {"potential_reset", -60.0},
             {"threshold", -50.0}, {"potential_tau", 2.0}, {"resistance", 1.0}})
        .add("bg", "poisson_source", {{"units", Value::List{400.0}}, {"rate", 9000.0}, {"weight", 0.7}})
        .add("d", "n2n_delays", {{"units", Value::List{400.0}}, {"max_delay", 0.4}})
        .add("syn", "traced_synapses",
             {{"units", Value::List{400.0}}, {"tau", 5.0}, {"layout", "dense"},
              {"kernel", Value::Map{{"initializer", "sparse_constant_initializer"}, {"scale", 1.5}, {"density", 0.1}}}})
        .connect("E.spikes", "d.in_spikes", Latency::previous_step)
        .connect("d.out_spikes", "syn.spikes")
        .connect("syn.currents", "E.current")
        .connect("bg.output", "E.current");
    if (rule)
        net.add("rule", "hebbian_rule", {{"eta", 0.01}})
            .connect("d.out_spikes", "rule.pre_spikes")
            .connect("E.spikes", "rule.post_spikes")
            .connect("syn.kernel", "rule.kernel")
            .effect("syn.kernel", "rule.kernel");
    return net;
}
}  // namespace

TEST_CASE("processes list the N2N delays of their own post rows only, with one process's spikes and state, "
          "unless a reader reads the delayed spikes whole",
          "[graph][processes]") {
    const bool rule = GENERATE(false, true);
    const Network net = n2n_recurrent(rule);
    const int steps = 60;
    std::size_t spikes = 0;
    auto whole = Simulation::build(net);
    whole.run(steps, [&](const Simulation& s) {
        for (const std::uint8_t code : s.read("E", "spikes").u8()) spikes += (code & spike::bit) != 0;
    });
    REQUIRE(spikes > 200);
    StateCopy expected(StateAccess::read);
    whole.visit_state(expected);
    for (const int ranks : {2, 3}) {
        std::vector<std::size_t> listed(static_cast<std::size_t>(ranks));
        std::vector<std::map<std::string, std::vector<std::byte>>> states(static_cast<std::size_t>(ranks));
        auto errors = on_processes(ranks, net, {}, [&](int rank, Simulation& sim) {
            sim.run(steps);
            listed[static_cast<std::size_t>(rank)] =
                dynamic_cast<components::delays::N2NDelays&>(sim.component("d")).listed_synapses();
            sim.gather_state();
            StateCopy state(StateAccess::read);
            sim.visit_state(state);
            states[static_cast<std::size_t>(rank)] = state.arrays;
        });
        for (int rank = 0; rank < ranks; ++rank) {
            const auto r = static_cast<std::size_t>(rank);
            INFO(ranks << " processes, rule " << rule << ", rank " << rank << ": " << errors[r]);
            REQUIRE(errors[r].empty());
            REQUIRE(states[r] == expected.arrays);
            // The rule's presynaptic traces read the delayed spikes of every row: the delays run whole.
            const UnitBlock mine = unit_block(400, rank, ranks);
            REQUIRE(listed[r] == (rule ? 400u : mine.end - mine.begin) * 400u);
        }
    }
}

TEST_CASE("a read of split N2N delays' spikes from outside the run gives one process's codes, "
          "each process writing its rows' deferred codes before the gather",
          "[graph][processes]") {
    const Network net = n2n_recurrent(false);
    const int steps = 30;
    // Every step's delayed codes (400 x 400), read after the step.
    auto delayed_codes = [&](Simulation& sim) {
        std::vector<std::uint8_t> codes;
        sim.run(steps, [&](const Simulation& s) {
            const auto out = s.read("d", "out_spikes").u8();
            codes.insert(codes.end(), out.begin(), out.end());
        });
        return codes;
    };
    auto whole = Simulation::build(net);
    const std::vector<std::uint8_t> expected = delayed_codes(whole);
    REQUIRE(std::ranges::count_if(expected, [](std::uint8_t code) { return (code & spike::bit) != 0; }) > 1000);
    for (const int ranks : {2, 3}) {
        std::vector<std::vector<std::uint8_t>> got(static_cast<std::size_t>(ranks));
        std::vector<std::size_t> listed(static_cast<std::size_t>(ranks));
        auto errors = on_processes(ranks, net, {}, [&](int rank, Simulation& sim) {
            got[static_cast<std::size_t>(rank)] = delayed_codes(sim);
            listed[static_cast<std::size_t>(rank)] =
                dynamic_cast<components::delays::N2NDelays&>(sim.component("d")).listed_synapses();
        });
        for (int rank = 0; rank < ranks; ++rank) {
            const auto r = static_cast<std::size_t>(rank);
            INFO(ranks << " processes, rank " << rank << ": " << errors[r]);
            REQUIRE(errors[r].empty());
            const UnitBlock mine = unit_block(400, rank, ranks);
            REQUIRE(listed[r] == (mine.end - mine.begin) * 400u);  // split: its own post rows only
            REQUIRE(got[r] == expected);
        }
    }
}
