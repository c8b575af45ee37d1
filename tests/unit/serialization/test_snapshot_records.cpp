// White-box tests of the snapshot loader: well-framed snapshots (valid CRCs) whose records say
// something inconsistent must be refused as corrupt, with the simulation untouched. The records are
// rewritten with the generated spark.v1 messages and re-framed (snapshot.proto).
#include <catch2/catch.hpp>

#include <cstring>
#include <functional>
#include <limits>

#include <zlib.h>

#include "snapshot_testing.hpp"
#include "spark/v1/snapshot.pb.h"

using namespace spark;
using namespace spark::testing;
using Catch::Contains;

namespace {

namespace pb = spark::v1;
using graph::Simulation;

std::vector<pb::SnapshotRecordProto> decode(const std::string& bytes) {
    std::vector<pb::SnapshotRecordProto> out;
    std::size_t pos = 8;
    while (pos < bytes.size()) {
        std::size_t n = 0;
        for (int shift = 0;; shift += 7) {
            const auto c = static_cast<unsigned char>(bytes.at(pos++));
            n |= static_cast<std::size_t>(c & 0x7f) << shift;
            if (!(c & 0x80)) break;
        }
        out.emplace_back();
        REQUIRE(out.back().ParseFromString(bytes.substr(pos, n)));
        pos += n + 4;
    }
    return out;
}

std::string encode(const std::vector<pb::SnapshotRecordProto>& records) {
    std::string out("\x89SPKSNP\n", 8);
    for (const auto& r : records) {
        const std::string payload = r.SerializeAsString();
        auto n = static_cast<std::uint32_t>(payload.size());
        do {
            out += static_cast<char>((n & 0x7f) | (n >= 0x80 ? 0x80 : 0));
            n >>= 7;
        } while (n);
        out += payload;
        const auto crc = static_cast<std::uint32_t>(
            crc32(crc32(0L, Z_NULL, 0), reinterpret_cast<const Bytef*>(payload.data()), static_cast<uInt>(payload.size())));
        for (int i = 0; i < 4; ++i) out += static_cast<char>((crc >> (8 * i)) & 0xff);
    }
    return out;
}

// Saves a small run, rewrites its records with `edit`, and loads the result into another run.
void require_refused(const std::function<void(std::vector<pb::SnapshotRecordProto>&)>& edit, const std::string& message) {
    auto source = Simulation::build(small_network(), small_specs(), snapshot_options());
    source.run(9);
    auto records = decode(snapshot_bytes(source));
    REQUIRE(encode(records) == snapshot_bytes(source));  // the test's framing is the library's
    edit(records);
    const std::string bytes = encode(records);
    auto target = Simulation::build(small_network(), small_specs(), snapshot_options());
    target.run(2);
    const State before = state_of(target);
    REQUIRE_THROWS_AS(load_bytes(target, bytes), SnapshotError);
    REQUIRE_THROWS_WITH(load_bytes(target, bytes), Contains("snapshot 'memory': ") && Contains(message));
    CHECK(state_of(target) == before);
}

int chunk_of(const std::vector<pb::SnapshotRecordProto>& records, std::string_view array) {
    const auto& header = records[0].header();
    for (std::size_t r = 1; r < records.size(); ++r)
        if (records[r].has_chunk() && header.array(static_cast<int>(records[r].chunk().array())).name() == array)
            return static_cast<int>(r);
    FAIL("no chunk of " << array);
    return 0;
}

// The chunk record of `array`, to corrupt.
pb::ChunkSnapshot& chunk_record(std::vector<pb::SnapshotRecordProto>& records, std::string_view array) {
    return *records[static_cast<std::size_t>(chunk_of(records, array))].mutable_chunk();
}

}  // namespace

TEST_CASE("a snapshot whose records contradict each other is refused as corrupt", "[serialization][snapshot][records]") {
    SECTION("a stored node config without a value (found by the fuzzer)") {
        require_refused([](auto& r) { r[0].mutable_header()->mutable_node(0)->mutable_config(0)->clear_shape(); },
                        "is corrupt: the config of node 'noise': param 'units' has no value");
    }
    SECTION("a stored node config that does not match the fingerprint") {
        require_refused([](auto& r) { r[0].mutable_header()->mutable_node(0)->mutable_config(1)->set_number(1); },
                        "is corrupt: node 'noise' does not match its fingerprint");
    }
    SECTION("the first record is not the header") {
        require_refused([](auto& r) { std::swap(r[0], r[1]); }, "is corrupt: its first record is not the header");
    }
    SECTION("chunks out of order") {
        require_refused([](auto& r) { std::swap(r[1], r[2]); }, "is out of order");
    }
    SECTION("a chunk that overlaps the next array") {
        require_refused(
            [](auto& r) {
                auto* c = &chunk_record(r, "soma/potential");
                c->set_size(c->size() + 4);
            },
            "is out of order");
    }
    SECTION("a missing chunk") {
        require_refused([](auto& r) { r.erase(r.begin() + chunk_of(r, "c/count")); }, "");
    }
    SECTION("a duplicated chunk") {
        require_refused(
            [](auto& r) {
                const auto i = static_cast<std::size_t>(chunk_of(r, "c/count"));
                r.insert(r.begin() + static_cast<std::ptrdiff_t>(i), r[i]);
            },
            "is out of order");
    }
    SECTION("a trailer that counts other chunks") {
        require_refused([](auto& r) { r.back().mutable_trailer()->set_chunks(1000); },
                        "its trailer counts 1000 chunks, but it has");
    }
    SECTION("no trailer") {
        require_refused([](auto& r) { r.pop_back(); }, "is truncated: it ends before record");
    }
    SECTION("two trailers") {
        require_refused([](auto& r) { r.push_back(r.back()); }, "has data after its end");
    }
    SECTION("step counters that disagree") {
        require_refused([](auto& r) { r[0].mutable_header()->set_step(3); }, "its step counters disagree (9 and 3)");
    }
    SECTION("an array listed twice") {
        require_refused([](auto& r) { *r[0].mutable_header()->add_array() = r[0].header().array(1); },
                        "is listed twice");
    }
    SECTION("an array with an unknown dtype") {
        require_refused([](auto& r) { r[0].mutable_header()->mutable_array(1)->set_dtype(static_cast<pb::DType>(42)); },
                        "has an unknown dtype");
    }
    SECTION("a chunk count that does not match the array size") {
        require_refused([](auto& r) { r[0].mutable_header()->mutable_array(0)->set_chunks(2); },
                        "has an inconsistent chunk count");
    }
    SECTION("an array the network does not have") {
        require_refused(
            [](auto& r) {
                auto* a = r[0].mutable_header()->add_array();
                a->set_name("ghost/values");
                a->set_dtype(pb::F32);
                a->set_count(0);
            },
            "state array 'ghost/values' of the snapshot is not in this network");
    }
    SECTION("a node fingerprint that does not match") {
        require_refused([](auto& r) { r[0].mutable_header()->mutable_node(2)->set_fingerprint(12345); },
                        "is corrupt: node 'soma' does not match its fingerprint");
    }
}

namespace {

// The lif.txtpb network: drive -> Poisson input -> recurrent lif_neuron pool (N2N delays, sparse synapses).
graph::Network lif_network() {
    graph::Network net;
    net.seed = 0;
    net.dt = 1.0;
    net.add("drive", "constant_source", {{"units", Value::List{100}}, {"kind", "float"}, {"value", 1.0}})
        .add("input", "poisson_spiker", {{"max_freq", 50.0}})
        .add("pool", "lif_neuron",
             {{"units", Value::List{200}},
              {"inhibitory_rate", 0.5},
              {"synapses.kernel.scale", 300.0},
              {"synapses.kernel.density", 0.2}})
        .connect("drive.output", "input.signal")
        .connect("input.spikes", "pool.in_spikes")
        .connect("pool.out_spikes", "pool.in_spikes");
    return net;
}

// The bytes a chunk carries, and new bytes for it (deflated as the library stores them).
std::string inflated(const pb::ChunkSnapshot& chunk) {
    std::string out(chunk.size(), '\0');
    uLongf size = out.size();
    REQUIRE(uncompress(reinterpret_cast<Bytef*>(out.data()), &size, reinterpret_cast<const Bytef*>(chunk.deflated().data()),
                       chunk.deflated().size()) == Z_OK);
    REQUIRE(size == out.size());
    return out;
}
void set_bytes(pb::ChunkSnapshot& chunk, const std::string& bytes) {
    uLongf size = compressBound(bytes.size());
    std::string out(size, '\0');
    REQUIRE(compress(reinterpret_cast<Bytef*>(out.data()), &size, reinterpret_cast<const Bytef*>(bytes.data()),
                     bytes.size()) == Z_OK);
    out.resize(size);
    chunk.set_size(bytes.size());
    chunk.set_deflated(out);
}

template <class T>
void set_element(std::vector<pb::SnapshotRecordProto>& records, std::string_view array, std::size_t element, T value) {
    auto* chunk = &chunk_record(records, array);
    std::string data = inflated(*chunk);
    REQUIRE(data.size() >= (element + 1) * sizeof(T));
    std::memcpy(data.data() + element * sizeof(T), &value, sizeof(T));
    set_bytes(*chunk, data);
}

// A snapshot of `net` after 30 steps whose element `element` of `array` is set to `value` (checksums
// recomputed, as a hostile user would) is refused naming the node and field; the target is untouched.
template <class T>
void require_out_of_range(const graph::Network& net, std::string_view array, std::size_t element, T value,
                          const std::string& message,
                          const std::function<void(std::vector<pb::SnapshotRecordProto>&)>& also = {},
                          const std::map<std::string, PortSpec>& specs = {}) {
    graph::BuildOptions options;
    options.registry = &snapshot_registry();
    auto source = Simulation::build(net, specs, options);
    source.run(30);
    auto records = decode(snapshot_bytes(source));
    set_element(records, array, element, value);
    if (also) also(records);
    const std::string bytes = encode(records);

    auto target = Simulation::build(net, specs, options);
    auto twin = Simulation::build(net, specs, options);
    target.run(7);
    twin.run(7);
    const State before = state_of(target);
    REQUIRE_THROWS_AS(load_bytes(target, bytes), SnapshotError);
    REQUIRE_THROWS_WITH(load_bytes(target, bytes),
                        Contains("snapshot 'memory': holds values this network cannot take") && Contains(message));
    CHECK(state_of(target) == before);
    target.run(20);
    twin.run(20);
    CHECK(state_of(target) == state_of(twin));
}

}  // namespace

TEST_CASE("a snapshot with valid checksums but an impossible position or counter or code is refused before it is applied",
          "[serialization][snapshot][records]") {
    SECTION("a delay line's write position past its rows (the lif.txtpb case)") {
        require_out_of_range(lif_network(), "pool.delays/index", 0, std::int32_t{262},
                             "node 'pool.delays', field 'index': 262 is outside 0..");
        require_out_of_range(lif_network(), "pool.delays/index", 0, std::int32_t{-1},
                             "node 'pool.delays', field 'index': -1 is outside 0..");
    }
    SECTION("a per-synapse delay line's write position") {
        require_out_of_range(delayed_synapse_network("rd_traced_synapses", {{"trace_mode", "per_synapse"}}),
                             "syn/delay_line.index", 0, std::int32_t{4},
                             "node 'syn', field 'delay_line.index': 4 is outside 0..3 in this network");
    }
    SECTION("a dense delay ring's slot") {
        require_out_of_range(delayed_synapse_network("linear_synapses", {{"layout", "dense"}}), "syn/delay_ring_index", 0,
                             std::int32_t{5}, "node 'syn', field 'delay_ring_index': 5 is outside 0..4 in this network");
    }
    SECTION("a spike in flight with an impossible code") {
        require_out_of_range(delayed_synapse_network("linear_synapses", {{"layout", "sparse"}}), "syn/delay_spikes", 17,
                             std::uint8_t{0x81},
                             "node 'syn', field 'delay_spikes': 129 at element 17 is outside 0..3 in this network");
    }
    SECTION("a source's step counter that is negative") {
        require_out_of_range(delayed_synapse_network("linear_synapses", {}), "step/step", 0, std::int64_t{-2},
                             "node 'step', field 'step': 18446744073709551614 is outside 0..4611686018427387904");
    }
    SECTION("the simulation's step counter near overflow (both copies agree)") {
        const std::int64_t huge = std::numeric_limits<std::int64_t>::max();
        require_out_of_range(delayed_synapse_network("linear_synapses", {}), "@step", 0, huge,
                             "'@step': 9223372036854775807 is outside 0..4611686018427387904",
                             [&](auto& r) { r[0].mutable_header()->set_step(huge); });
    }
    SECTION("an inhibition mask that is not 0 or 1, and a previous-step spike code") {
        require_out_of_range(small_network(), "mask/mask", 1, std::uint8_t{7},
                             "node 'mask', field 'mask': 7 at element 1 is outside 0..1 in this network", {},
                             small_specs());
        require_out_of_range(small_network(), "soma.spikes@previous", 2, std::uint8_t{200},
                             "'soma.spikes@previous': 200 at element 2 is outside 0..3 in this network", {},
                             small_specs());
    }
    SECTION("every element out of range is counted") {
        require_out_of_range(small_network(), "mask/mask", 0, std::uint16_t{0x0909},
                             "node 'mask', field 'mask': 9 at element 0 is outside 0..1 in this network (and 1 more element)",
                             {}, small_specs());
    }
}

TEST_CASE("a chunk that does not inflate to its size is refused as corrupt", "[serialization][snapshot][records]") {
    SECTION("deflated bytes that are not a zlib stream") {
        require_refused([](auto& r) { chunk_record(r, "soma/potential").set_deflated("0123"); },
                        "is corrupt: chunk");
    }
    // The potential chunk's stream replaced by that of `edit(its bytes)`, still claiming the original size.
    auto require_size_refused = [](std::string (*edit)(const std::string&)) {
        require_refused(
            [edit](auto& r) {
                auto& chunk = chunk_record(r, "soma/potential");
                const std::string bytes = inflated(chunk);
                set_bytes(chunk, edit(bytes));
                chunk.set_size(bytes.size());
            },
            "(array 'soma/potential') does not inflate to its 12 bytes");
    };
    SECTION("a stream that inflates to fewer bytes than the chunk claims") {
        require_size_refused([](const std::string& bytes) { return bytes.substr(0, bytes.size() - 1); });
    }
    SECTION("a stream that inflates to more bytes than the chunk claims") {
        require_size_refused([](const std::string& bytes) { return bytes + "more"; });
    }
}

TEST_CASE("a snapshot of format version 1 (raw chunks) is refused naming both versions",
          "[serialization][snapshot][records]") {
    // Re-create what version 1 wrote: the same records, each chunk's bytes raw in field 3 ("data").
    auto source = Simulation::build(small_network(), small_specs(), snapshot_options());
    source.run(9);
    auto records = decode(snapshot_bytes(source));
    records[0].mutable_header()->set_format_version(1);
    for (auto& r : records) {
        if (!r.has_chunk()) continue;
        const std::string raw = inflated(r.chunk());
        r.mutable_chunk()->clear_size();
        r.mutable_chunk()->clear_deflated();
        r.mutable_chunk()->GetReflection()->MutableUnknownFields(r.mutable_chunk())->AddLengthDelimited(3, raw);
    }
    const std::string bytes = encode(records);
    auto target = Simulation::build(small_network(), small_specs(), snapshot_options());
    const State before = state_of(target);
    REQUIRE_THROWS_AS(load_bytes(target, bytes), SnapshotError);
    REQUIRE_THROWS_WITH(load_bytes(target, bytes),
                        Contains("snapshot 'memory': has format version 1 (written by spark ") &&
                            Contains("this build of spark reads version 2 only"));
    CHECK(state_of(target) == before);
}
