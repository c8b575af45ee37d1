#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <zlib.h>

#include <spark/serialization/network_file.hpp>
#include <spark/serialization/snapshot.hpp>

#include "snapshot_testing.hpp"

using namespace spark;
using namespace spark::graph;
using namespace spark::serialization;
using namespace spark::testing;
using Catch::Contains;

namespace {

namespace fs = std::filesystem;

// A fresh scratch directory per test case.
struct TempDir {
    fs::path path;
    TempDir() {
        path = fs::temp_directory_path() /
               ("spark_snapshot_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter()++));
        fs::remove_all(path);
        fs::create_directories(path);
    }
    ~TempDir() {
        std::error_code ignored;
        fs::remove_all(path, ignored);
    }
    static int& counter() {
        static int n = 0;
        return n;
    }
};

std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}
void write_file(const fs::path& p, const std::string& bytes) {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// The framing of snapshot.proto, walked independently of the library: magic, then
// varint length | payload | CRC-32 (little endian).
struct Record {
    std::size_t payload, size;
};
std::size_t varint(const std::string& b, std::size_t& pos) {
    std::size_t v = 0;
    for (int shift = 0;; shift += 7) {
        const auto c = static_cast<unsigned char>(b.at(pos++));
        v |= static_cast<std::size_t>(c & 0x7f) << shift;
        if (!(c & 0x80)) return v;
    }
}
std::vector<Record> records(const std::string& b) {
    std::vector<Record> out;
    std::size_t pos = 8;
    while (pos < b.size()) {
        const std::size_t n = varint(b, pos);
        out.push_back({pos, n});
        pos += n + 4;
    }
    REQUIRE(pos == b.size());
    return out;
}
void reseal(std::string& b, const Record& r) {
    const auto crc = static_cast<std::uint32_t>(
        crc32(crc32(0L, Z_NULL, 0), reinterpret_cast<const Bytef*>(b.data() + r.payload), static_cast<uInt>(r.size)));
    for (int i = 0; i < 4; ++i) b[r.payload + r.size + static_cast<std::size_t>(i)] = static_cast<char>((crc >> (8 * i)) & 0xff);
}

Simulation build_small(std::uint64_t seed = 5, std::size_t units = 3, const BuildOptions& o = snapshot_options()) {
    return Simulation::build(small_network(seed, units), small_specs(units), o);
}

void drive(Simulation& sim, int steps) {
    for (int t = 0; t < steps; ++t) {
        auto in = sim.input("drive").f32();
        for (std::size_t i = 0; i < in.size(); ++i) in[i] = static_cast<float>((sim.step_count() * 37 + i * 11) % 50);
        sim.step();
    }
}

}  // namespace

TEST_CASE("a snapshot restores every state array of the run exactly", "[serialization][snapshot]") {
    auto source = build_small();
    drive(source, 37);
    const State saved = state_of(source);
    const std::string bytes = snapshot_bytes(source);
    CHECK(bytes.substr(0, 8) == std::string("\x89SPKSNP\n", 8));

    auto target = build_small();
    drive(target, 5);
    REQUIRE(state_of(target) != saved);
    load_bytes(target, bytes);
    CHECK(state_of(target) == saved);
    CHECK(target.step_count() == 37);
    // Every dtype and the random stream are in it.
    for (const char* name : {"@step", "noise/rng", "noise/above", "noise/ages", "noise/flags", "soma/potential",
                             "mask/mask", "c/count", "counter.out@previous", "soma.spikes@previous"})
        CHECK(saved.count(name) == 1);
}

namespace {

// Every output of `steps` steps, step after step.
std::vector<std::vector<std::uint8_t>> spikes_of(Simulation& sim, int steps) {
    std::vector<std::vector<std::uint8_t>> out;
    for (int t = 0; t < steps; ++t) {
        sim.step();
        const auto spikes = sim.output("spikes").u8();
        out.emplace_back(spikes.begin(), spikes.end());
    }
    return out;
}

// A visitor that reads (it says so) but scribbles zeros over what it is shown: a component that
// re-derives state after a read visit would take the zeros in.
class Scribbler final : public StateVisitor {
public:
    Scribbler() : StateVisitor(StateAccess::read) {}
    void visit(std::string_view, DType dtype, void* data, std::size_t count) override {
        std::memset(data, 0, count * size_of(dtype));
    }
};

}  // namespace

TEST_CASE("saving a snapshot leaves the running state bit-identical", "[serialization][snapshot]") {
    // Sparse synapses with delays keep their spikes in flight as lists that a save must not rebuild.
    for (const char* layout : {"sparse", "dense"}) {
        const auto net = delayed_synapse_network("linear_synapses", {{"layout", layout}});
        auto saved = Simulation::build(net, {}, {});
        auto twin = Simulation::build(net, {}, {});
        saved.run(30);
        twin.run(30);
        const State before = state_of(saved);
        REQUIRE(before == state_of(twin));
        std::ostringstream out;
        write_snapshot(saved, out);
        CHECK(state_of(saved) == before);
        CHECK(spikes_of(saved, 40) == spikes_of(twin, 40));
        CHECK(state_of(saved) == state_of(twin));
    }
}

TEST_CASE("a read visit of delayed sparse synapses does not rebuild their spikes in flight", "[serialization][snapshot]") {
    const auto net = delayed_synapse_network("linear_synapses", {{"layout", "sparse"}});
    auto visited = Simulation::build(net, {}, {});
    auto twin = Simulation::build(net, {}, {});
    visited.run(30);
    twin.run(30);
    auto& synapses = visited.component("syn");
    const State before = state_of(twin);
    REQUIRE(std::any_of(before.at("syn/delay_spikes").begin(), before.at("syn/delay_spikes").end(),
                        [](std::byte b) { return b != std::byte{0}; }));
    Scribbler scribbler;
    synapses.visit_state(scribbler);  // sparse weights and spikes in flight are shown as copies
    CHECK(state_of(visited) == before);
    CHECK(spikes_of(visited, 20) == spikes_of(twin, 20));
}

TEST_CASE("saving the same state twice writes the same bytes", "[serialization][snapshot]") {
    auto a = build_small();
    auto b = build_small();
    drive(a, 20);
    drive(b, 20);
    CHECK(snapshot_bytes(a) == snapshot_bytes(b));
}

// The snapshot of a small network after 11 steps, and another simulation of it after 3 steps, with its
// state before any load, to load corrupted copies into.
struct LoadTarget {
    Simulation source = driven(11);
    std::string bytes = snapshot_bytes(source);
    Simulation target = driven(3);
    State before = state_of(target);

    static Simulation driven(int steps) {
        auto sim = build_small();
        drive(sim, steps);
        return sim;
    }
};

TEST_CASE_METHOD(LoadTarget, "every flipped byte of a snapshot is refused and leaves the simulation untouched",
          "[serialization][snapshot][corruption]") {
    std::size_t refused = 0;
    for (std::size_t pos = 0; pos < bytes.size(); ++pos)
        for (const unsigned char flip : {std::uint8_t{0x01}, std::uint8_t{0x80}, std::uint8_t{0xff}}) {
            std::string corrupt = bytes;
            corrupt[pos] = static_cast<char>(corrupt[pos] ^ flip);
            INFO("byte " << pos << " xor " << int(flip));
            REQUIRE_THROWS_AS(load_bytes(target, corrupt), SnapshotError);
            ++refused;
        }
    CHECK(refused == 3 * bytes.size());
    CHECK(state_of(target) == before);
    CHECK(target.step_count() == 3);
}

TEST_CASE_METHOD(LoadTarget, "every truncation of a snapshot is refused and leaves the simulation untouched",
          "[serialization][snapshot][corruption]") {
    REQUIRE_THROWS_WITH(load_bytes(target, ""), Contains("snapshot 'memory': the file is empty"));
    for (std::size_t n = 1; n < bytes.size(); ++n) {
        INFO("first " << n << " bytes");
        REQUIRE_THROWS_AS(load_bytes(target, bytes.substr(0, n)), SnapshotError);
        REQUIRE_THROWS_WITH(load_bytes(target, bytes.substr(0, n)), Contains("is truncated"));
    }
    CHECK(state_of(target) == before);
    // Data after the end are refused too.
    REQUIRE_THROWS_WITH(load_bytes(target, bytes + "x"), Contains("has data after its end"));
    CHECK(state_of(target) == before);
    load_bytes(target, bytes);  // the intact snapshot still loads
    CHECK(state_of(target) == state_of(source));
}

TEST_CASE("a snapshot that is not one, or of another format version, is refused", "[serialization][snapshot][errors]") {
    auto sim = build_small();
    drive(sim, 4);
    const State before = state_of(sim);
    SECTION("not a snapshot") {
        REQUIRE_THROWS_AS(load_bytes(sim, "seed: 1\nnode { }\n"), SnapshotError);
        REQUIRE_THROWS_WITH(load_bytes(sim, "seed: 1\nnode { }\n"), Contains("is not a spark snapshot"));
    }
    SECTION("a newer format version") {
        std::string bytes = snapshot_bytes(sim);
        const auto rs = records(bytes);
        // Record 0 is SnapshotRecordProto{header = 1: SnapshotHeaderProto{format_version = 1: 2, ...}}.
        std::size_t pos = rs[0].payload;
        REQUIRE(static_cast<unsigned char>(bytes[pos++]) == 0x0a);
        varint(bytes, pos);
        REQUIRE(bytes.substr(pos, 2) == std::string("\x08\x02", 2));
        bytes[pos + 1] = 3;
        reseal(bytes, rs[0]);
        REQUIRE_THROWS_AS(load_bytes(sim, bytes), SnapshotError);
        REQUIRE_THROWS_WITH(load_bytes(sim, bytes),
                            Contains("snapshot 'memory': has format version 3 (written by spark ") &&
                                Contains("); this build of spark reads version 2 only"));
    }
    SECTION("a record with a valid checksum but garbage content") {
        std::string bytes = snapshot_bytes(sim);
        const auto rs = records(bytes);
        bytes[rs[1].payload] = '\x07';  // an invalid wire type
        reseal(bytes, rs[1]);
        REQUIRE_THROWS_WITH(load_bytes(sim, bytes), Contains("is corrupt: record 1"));
    }
    CHECK(state_of(sim) == before);
}

TEST_CASE("a missing snapshot file is a clear error", "[serialization][snapshot][errors]") {
    auto sim = build_small();
    REQUIRE_THROWS_AS(load_snapshot(sim, "/nonexistent/run.snap"), SnapshotError);
    REQUIRE_THROWS_WITH(load_snapshot(sim, "/nonexistent/run.snap"),
                        Contains("snapshot '/nonexistent/run.snap': cannot be opened: No such file"));
    REQUIRE_THROWS_AS(read_snapshot_header("/nonexistent/run.snap"), SnapshotError);
    TempDir dir;
    write_file(dir.path / "empty.snap", "");
    REQUIRE_THROWS_WITH(load_snapshot(sim, dir.path / "empty.snap"), Contains("the file is empty"));
}

TEST_CASE("a snapshot of a network with other units names every node that differs", "[serialization][snapshot][mismatch]") {
    auto source = build_small(5, 3);
    drive(source, 6);
    const std::string bytes = snapshot_bytes(source);
    auto target = build_small(5, 4);
    drive(target, 2);
    const State before = state_of(target);
    REQUIRE_THROWS_AS(load_bytes(target, bytes), SnapshotError);
    REQUIRE_THROWS_WITH(
        load_bytes(target, bytes),
        Contains("snapshot 'memory': was taken from a different network:") &&
            Contains("node 'noise' (test_noise): config field 'units' is [3] in the snapshot but [4] in this network") &&
            Contains("node 'noise' (test_noise): state array 'above' is i32[3] in the snapshot but i32[4] in this network") &&
            Contains("node 'soma' (leaky_soma): state array 'potential' is f32[3] in the snapshot but f32[4]"));
    CHECK(state_of(target) == before);
}

TEST_CASE("a snapshot whose node was swapped for another type names the node", "[serialization][snapshot][mismatch]") {
    auto source = build_small();
    drive(source, 6);
    const std::string bytes = snapshot_bytes(source);
    Network changed = small_network();
    changed.replace("c", "test_adder");
    auto target = Simulation::build(changed, small_specs(), snapshot_options());
    const State before = state_of(target);
    REQUIRE_THROWS_AS(load_bytes(target, bytes), SnapshotError);
    REQUIRE_THROWS_WITH(load_bytes(target, bytes),
                        Contains("node 'c' is of type test_counter in the snapshot but test_adder in this network"));
    CHECK(state_of(target) == before);
}

TEST_CASE("a snapshot of a neuron whose soma was swapped or resized names the inner node",
          "[serialization][snapshot][mismatch]") {
    auto network = [](std::string soma, double units) {
        Network net;
        net.seed = 4;
        net.add("spiker", "poisson_spiker", {{"max_freq", 100.0}})
            .add("pool", "lif_neuron", {{"units", Value::List{units}}, {"soma.type", std::move(soma)}})
            .input("rate", "spiker.signal")
            .connect("spiker.spikes", "pool.in_spikes");
        return net;
    };
    const std::map<std::string, PortSpec> specs{{"rate", PortSpec(PayloadKind::floating, {6})}};
    auto source = Simulation::build(network("leaky_soma", 4), specs, snapshot_options());
    source.run(10);
    const std::string bytes = snapshot_bytes(source);
    SECTION("a swapped soma") {
        auto target = Simulation::build(network("refractory_leaky_soma", 4), specs, snapshot_options());
        const State before = state_of(target);
        REQUIRE_THROWS_AS(load_bytes(target, bytes), SnapshotError);
        REQUIRE_THROWS_WITH(load_bytes(target, bytes),
                            Contains("node 'pool.soma' is of type leaky_soma in the snapshot but refractory_leaky_soma "
                                     "in this network"));
        CHECK(state_of(target) == before);
    }
    SECTION("other units") {
        auto target = Simulation::build(network("leaky_soma", 5), specs, snapshot_options());
        const State before = state_of(target);
        REQUIRE_THROWS_WITH(load_bytes(target, bytes),
                            Contains("node 'pool.soma' (leaky_soma): config field 'units' is [4] in the snapshot but [5] "
                                     "in this network") &&
                                Contains("node 'pool.synapses' (linear_synapses): state array"));
        CHECK(state_of(target) == before);
    }
}

TEST_CASE("a snapshot of a component whose state layout changed is refused by its fingerprint",
          "[serialization][snapshot][mismatch]") {
    // Same description and config; "test_counter" gained a state array (a new build of the component).
    auto source = build_small();
    drive(source, 6);
    const std::string bytes = snapshot_bytes(source);
    BuildOptions v2 = snapshot_options();
    v2.registry = &snapshot_registry_v2();
    auto target = Simulation::build(small_network(), small_specs(), v2);
    const State before = state_of(target);
    REQUIRE_THROWS_AS(load_bytes(target, bytes), SnapshotError);
    REQUIRE_THROWS_WITH(load_bytes(target, bytes),
                        Contains("node 'c' (test_counter): state array 'extra' is not in the snapshot"));
    CHECK(state_of(target) == before);
}

TEST_CASE("a snapshot of a different description names what differs", "[serialization][snapshot][mismatch]") {
    auto source = build_small(5);
    drive(source, 6);
    const std::string bytes = snapshot_bytes(source);
    SECTION("another seed") {
        auto target = build_small(6);
        const State before = state_of(target);
        REQUIRE_THROWS_AS(load_bytes(target, bytes), SnapshotError);
        REQUIRE_THROWS_WITH(load_bytes(target, bytes),
                            Contains("was taken from a different network description") && Contains("seed: 5 -> 6"));
        CHECK(state_of(target) == before);
    }
    SECTION("another wire latency") {
        Network changed = small_network();
        changed.wires[2].latency = Latency::same_step;  // soma.spikes -> relay.in
        auto target = Simulation::build(changed, small_specs(), snapshot_options());
        REQUIRE_THROWS_WITH(load_bytes(target, bytes),
                            Contains("different network description") && Contains("wire[2].latency"));
    }
    SECTION("another input spec") {
        auto specs = small_specs();
        specs["drive"].mask = {0, 1, 0};
        auto target = Simulation::build(small_network(), specs, snapshot_options());
        REQUIRE_THROWS_WITH(load_bytes(target, bytes), Contains("different network description") && Contains("mask"));
    }
}

TEST_CASE("snapshots restore on the other executor", "[serialization][snapshot][executor]") {
    auto source = build_small(5, 3, snapshot_options(ExecutorKind::tbb, 2));
    drive(source, 25);
    const std::string bytes = snapshot_bytes(source);
    auto target = build_small(5, 3, snapshot_options(ExecutorKind::sequential));
    load_bytes(target, bytes);
    drive(source, 25);
    drive(target, 25);
    CHECK(state_of(target) == state_of(source));
}

TEST_CASE("save_snapshot writes through a temporary file and renames it", "[serialization][snapshot][files]") {
    TempDir dir;
    const fs::path path = dir.path / "run.snap";
    auto sim = build_small();
    drive(sim, 9);
    save_snapshot(sim, path);
    std::vector<std::string> files;
    for (const auto& e : fs::directory_iterator(dir.path)) files.push_back(e.path().filename().string());
    CHECK(files == std::vector<std::string>{"run.snap"});
    CHECK(read_file(path) == snapshot_bytes(sim));

    SECTION("a failed save leaves the previous snapshot and no temporary file") {
        const std::string previous = read_file(path);
        Network net = small_network();
        net.add("flaky", "test_flaky", {{"fail_on_visit", 2}});  // the second visit writes the arrays
        auto failing = Simulation::build(net, small_specs(), snapshot_options());
        REQUIRE_THROWS_WITH(save_snapshot(failing, path), Contains("test_flaky: visit 2 fails"));
        files.clear();
        for (const auto& e : fs::directory_iterator(dir.path)) files.push_back(e.path().filename().string());
        CHECK(files == std::vector<std::string>{"run.snap"});
        CHECK(read_file(path) == previous);
    }
    SECTION("a save into a missing directory is a SnapshotError") {
        REQUIRE_THROWS_AS(save_snapshot(sim, dir.path / "no" / "run.snap"), SnapshotError);
        const fs::path target = dir.path / "no" / "run.snap";
        REQUIRE_THROWS_WITH(save_snapshot(sim, target),
                            Contains("cannot save snapshot '" + target.string() + "': cannot create '" + target.string() +
                                     ".tmp-XXXXXX': No such file or directory"));
    }
}

TEST_CASE("save_snapshot refuses to replace anything that is not a regular file", "[serialization][snapshot][files]") {
    TempDir dir;
    auto sim = build_small();
    drive(sim, 4);
    auto require_refused = [&](const fs::path& target, const std::string& kind) {
        REQUIRE_THROWS_AS(save_snapshot(sim, target), SnapshotError);
        REQUIRE_THROWS_WITH(save_snapshot(sim, target),
                            Contains("cannot save snapshot '" + target.string() + "': it is " + kind +
                                     "; a snapshot only replaces a regular file"));
    };
    SECTION("a directory") {
        fs::create_directory(dir.path / "d");
        require_refused(dir.path / "d", "a directory");
        CHECK(fs::is_directory(dir.path / "d"));
    }
    SECTION("a fifo, directly or through a link") {
        REQUIRE(::mkfifo((dir.path / "f").c_str(), 0644) == 0);
        fs::create_symlink(dir.path / "f", dir.path / "link");
        require_refused(dir.path / "f", "a fifo");
        require_refused(dir.path / "link", "a fifo");
        CHECK(fs::is_fifo(dir.path / "f"));
        CHECK(fs::is_symlink(dir.path / "link"));
    }
    SECTION("a character device (where this user may create one)") {
        if (::mknod((dir.path / "null").c_str(), S_IFCHR | 0666, makedev(1, 3)) != 0) return;  // not root
        require_refused(dir.path / "null", "a character device");
        CHECK(fs::is_character_file(dir.path / "null"));
    }
    SECTION("a link to a regular file is replaced by the snapshot, the file it named kept") {
        std::ofstream(dir.path / "old") << "old";
        fs::create_symlink(dir.path / "old", dir.path / "link");
        save_snapshot(sim, dir.path / "link");
        CHECK(fs::is_regular_file(fs::symlink_status(dir.path / "link")));
        CHECK(read_file(dir.path / "link") == snapshot_bytes(sim));
        CHECK(read_file(dir.path / "old") == "old");
    }
    // Nothing was left behind by a refusal.
    for (const auto& e : fs::directory_iterator(dir.path)) CHECK(e.path().filename().string().find(".tmp-") == std::string::npos);
}

TEST_CASE("a save removes the temporaries a killed save left, not those of a save in progress",
          "[serialization][snapshot][files]") {
    TempDir dir;
    const fs::path path = dir.path / "run.snap";
    for (const char* stale : {"run.snap.tmp-a1b2c3", "run.snap.tmp-zzzzzz"}) std::ofstream(dir.path / stale) << "partial";
    std::ofstream(dir.path / "run.snap.tmp-toolong") << "not one of ours";
    std::ofstream(dir.path / "other.snap.tmp-a1b2c3") << "another path's";
    // A save in progress (another process) holds a lock on its temporary.
    std::ofstream(dir.path / "run.snap.tmp-inprog") << "being written";
    const int held = ::open((dir.path / "run.snap.tmp-inprog").c_str(), O_RDONLY);
    REQUIRE(held >= 0);
    REQUIRE(::flock(held, LOCK_EX) == 0);
    // (a lock belongs to its open file: the cleanup's own open does not share it, as another process's would not)

    auto sim = build_small();
    drive(sim, 4);
    save_snapshot(sim, path);
    ::close(held);
    std::set<std::string> files;
    for (const auto& e : fs::directory_iterator(dir.path)) files.insert(e.path().filename().string());
    CHECK(files == std::set<std::string>{"run.snap", "run.snap.tmp-toolong", "other.snap.tmp-a1b2c3",
                                         "run.snap.tmp-inprog"});
    CHECK(read_file(path) == snapshot_bytes(sim));
}

TEST_CASE("a snapshot carries its description: restore_simulation rebuilds and loads it", "[serialization][snapshot]") {
    TempDir dir;
    // A network using a user template, so the description must carry it.
    NeuronTemplate t;
    t.name = "noisy_neuron";
    t.description = "Noise into a leaky soma.";
    t.parameters = {{"units", Value()}};
    t.body.add("noise", "test_noise", {{"amplitude", 900.0}})
        .add("soma", "leaky_soma")
        .connect("noise.current", "soma.current")
        .output("spikes", "soma.spikes");
    TemplateRegistry templates;
    register_builtin_templates(templates);
    templates.add(t);
    Network net;
    net.seed = 99;
    net.add("n", "noisy_neuron", {{"units", Value::List{5}}}).add("r", "test_relay").connect("n.spikes", "r.in");
    net.output("out", "r.out");
    BuildOptions o = snapshot_options();
    o.templates = &templates;
    auto sim = Simulation::build(net, {}, o);
    sim.run(40);
    save_snapshot(sim, dir.path / "a.snap");

    const SnapshotHeader header = read_snapshot_header(dir.path / "a.snap");
    CHECK(header.step == 40);
    CHECK(header.network.seed == 99);
    REQUIRE(header.templates.size() == 1);  // the built-ins are not stored
    CHECK(header.templates[0].name == "noisy_neuron");
    CHECK(header.templates[0].description == "Noise into a leaky soma.");

    auto restored = restore_simulation(dir.path / "a.snap", snapshot_options());  // no template registry given
    CHECK(restored.step_count() == 40);
    CHECK(state_of(restored) == state_of(sim));
    sim.run(40);
    restored.run(40);
    CHECK(state_of(restored) == state_of(sim));
}

TEST_CASE("large state arrays are written in chunks and read back exactly", "[serialization][snapshot][large]") {
    // 2^22 floats are exactly one 16 MiB chunk; one more element needs two; 10^7 (a 10^7-synapse kernel) three.
    const std::size_t size = GENERATE(std::size_t{1} << 22, (std::size_t{1} << 22) + 1, std::size_t{10'000'000});
    TempDir dir;
    Network net;
    net.add("big", "test_big_state", {{"size", static_cast<double>(size)}}).add("c", "test_counter");
    auto sim = Simulation::build(net, {}, snapshot_options());
    sim.run(13);
    save_snapshot(sim, dir.path / "big.snap");
    CHECK(fs::file_size(dir.path / "big.snap") < size * 4 / 20);  // deflated: the values repeat every 1000

    auto fresh = Simulation::build(net, {}, snapshot_options());
    load_snapshot(fresh, dir.path / "big.snap");
    auto& a = dynamic_cast<BigState&>(sim.component("big")).values();
    auto& b = dynamic_cast<BigState&>(fresh.component("big")).values();
    REQUIRE(a.size() == size);
    CHECK(std::memcmp(a.data(), b.data(), size * 4) == 0);
    sim.run(5);
    fresh.run(5);
    CHECK(std::memcmp(a.data(), b.data(), size * 4) == 0);
    CHECK(sim.read("big", "out").f32()[0] == fresh.read("big", "out").f32()[0]);
}

TEST_CASE("a 10^7-synapse group with plasticity round-trips", "[serialization][snapshot][large]") {
    // 10 000 Poisson inputs onto 1 000 neurons: a dense 10^7-element kernel that a rule rewrites.
    TempDir dir;
    Network net(Latency::same_step);
    net.seed = 12;
    net.add("spiker", "poisson_spiker", {{"max_freq", 20.0}})
        .add("synapses", "linear_synapses",
             {{"units", Value::List{1000}}, {"layout", "dense"},
              {"kernel", Value::Map{{"initializer", "uniform_initializer"}, {"scale", 2.0}}}})
        .add("soma", "leaky_soma")
        .add("rule", "hebbian_rule")
        .input("rate", "spiker.signal")
        .connect("spiker.spikes", "synapses.spikes")
        .connect("synapses.currents", "soma.current")
        .connect("spiker.spikes", "rule.pre_spikes")
        .connect("soma.spikes", "rule.post_spikes")
        .connect("synapses.kernel", "rule.kernel")
        .effect("synapses.kernel", "rule.kernel");
    const std::map<std::string, PortSpec> specs{{"rate", PortSpec(PayloadKind::floating, {10000})}};
    auto sim = Simulation::build(net, specs, snapshot_options());
    std::ranges::fill(sim.input("rate").f32(), 0.5f);
    sim.run(3);
    REQUIRE(sim.spec("synapses", "kernel").size() == 10'000'000);
    save_snapshot(sim, dir.path / "big.snap");
    CHECK(fs::file_size(dir.path / "big.snap") > 20'000'000);  // random weights do not deflate much
    auto fresh = Simulation::build(net, specs, snapshot_options());
    load_snapshot(fresh, dir.path / "big.snap");
    std::ranges::fill(fresh.input("rate").f32(), 0.5f);
    sim.run(2);
    fresh.run(2);
    const auto a = sim.read("synapses", "kernel"), b = fresh.read("synapses", "kernel");
    CHECK(std::memcmp(a.data, b.data, a.size * 4) == 0);
    CHECK(state_of(fresh) == state_of(sim));
}

TEST_CASE("a state larger than 2 GiB round-trips", "[serialization][snapshot][large][.slow]") {
    TempDir dir;
    const std::size_t size = std::size_t{600} << 20;  // 2.4 GB of floats
    Network net;
    net.add("big", "test_big_state", {{"size", static_cast<double>(size)}});
    auto sim = Simulation::build(net, {}, snapshot_options());
    sim.run(3);
    auto& values = dynamic_cast<BigState&>(sim.component("big")).values();
    const auto checksum = [&] {
        return crc32_z(crc32(0L, Z_NULL, 0), reinterpret_cast<const Bytef*>(values.data()), values.size() * 4);
    };
    const auto saved = checksum();
    save_snapshot(sim, dir.path / "huge.snap");
    sim.run(100);
    REQUIRE(checksum() != saved);
    load_snapshot(sim, dir.path / "huge.snap");
    CHECK(checksum() == saved);
    CHECK(sim.step_count() == 3);
}

TEST_CASE("the snapshot of a big network is deflated to a small part of its raw state", "[serialization][snapshot][large]") {
    // cuba_4000: 4 000 neurons, 3.2 * 10^5 synapses of two uniform weights, refractory counters, delays.
    NetworkFile file = load_network_file(std::string(SPARK_EXAMPLES_DIR) + "/cuba_4000.txtpb");
    auto sim = build_simulation(file);
    sim.run(200);
    std::size_t raw = 0;
    for (const auto& [name, bytes] : state_of(sim)) raw += bytes.size();
    const std::string bytes = snapshot_bytes(sim);
    INFO("raw state " << raw << " bytes, snapshot " << bytes.size() << " bytes");
    CHECK(raw > 1'000'000);
    CHECK(bytes.size() * 10 < raw);
    auto fresh = build_simulation(file);
    load_bytes(fresh, bytes);
    CHECK(state_of(fresh) == state_of(sim));
}
