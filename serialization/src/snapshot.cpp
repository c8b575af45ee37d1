// Snapshots: framed protobuf records (snapshot.proto), written through a temporary file and read into
// a staging copy that is validated completely before the simulation is touched.
#include <spark/serialization/snapshot.hpp>

#include <spark/core/version.hpp>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <limits>
#include <istream>
#include <ostream>
#include <set>
#include <sstream>
#include <unordered_map>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <google/protobuf/stubs/logging.h>
#include <google/protobuf/util/message_differencer.h>

#include <spark/core/text.hpp>
#include <spark/serialization/network_file.hpp>

#include "convert.hpp"
#include "spark/v1/snapshot.pb.h"

namespace spark::serialization {

static_assert(std::endian::native == std::endian::little, "snapshots store array bytes little-endian");

namespace {

namespace pb = detail::pb;

constexpr char kMagic[8] = {'\x89', 'S', 'P', 'K', 'S', 'N', 'P', '\n'};
constexpr std::uint32_t kMaxRecord = 0x7fff'0000u;          // below protobuf's 2 GiB message limit
constexpr std::size_t kReadPiece = std::size_t{16} << 20;  // a record is read in pieces of at most this
constexpr std::size_t kMaxListed = 8;                       // problems listed in one error

std::uint32_t crc32_of(const std::string& bytes) {
    uLong crc = crc32(0L, Z_NULL, 0);
    std::size_t done = 0;
    while (done < bytes.size()) {
        const auto n = static_cast<uInt>(std::min<std::size_t>(bytes.size() - done, 1u << 30));
        crc = crc32(crc, reinterpret_cast<const Bytef*>(bytes.data() + done), n);
        done += n;
    }
    return static_cast<std::uint32_t>(crc);
}

[[noreturn]] void fail(const std::string& name, const std::string& message) {
    throw SnapshotError("snapshot '" + name + "': " + message);
}

[[noreturn]] void fail(const std::string& name, const std::string& what, std::vector<std::string> problems) {
    std::string text = "snapshot '" + name + "': " + what;
    for (std::size_t i = 0; i < problems.size() && i < kMaxListed; ++i) text += "\n  - " + problems[i];
    if (problems.size() > kMaxListed) text += "\n  ... and " + std::to_string(problems.size() - kMaxListed) + " more";
    throw SnapshotError(text);
}

std::string array_text(DType dtype, std::uint64_t count) {
    return std::string(to_string(dtype)) + "[" + std::to_string(count) + "]";
}

// ---------------------------------------------------------------------------------------------
// The state layout of a simulation

struct ArrayInfo {
    std::string name;
    DType dtype;
    std::size_t count;
    std::size_t bytes() const { return count * size_of(dtype); }
};

class LayoutVisitor final : public StateVisitor {
public:
    LayoutVisitor() : StateVisitor(StateAccess::read) {}
    std::vector<ArrayInfo> arrays;
    void visit(std::string_view name, DType dtype, void*, std::size_t count) override {
        arrays.push_back({std::string(name), dtype, count});
    }
};

std::vector<ArrayInfo> layout_of(graph::Simulation& sim) {
    LayoutVisitor v;
    sim.visit_state(v);
    return std::move(v.arrays);
}

// The arrays of node `path` ("pool.soma/potential" -> "potential"), in visit order.
std::vector<ArrayInfo> node_arrays(const std::vector<ArrayInfo>& all, const std::string& path) {
    std::vector<ArrayInfo> out;
    const std::string prefix = path + "/";
    for (const auto& a : all)
        if (a.name.rfind(prefix, 0) == 0) out.push_back({a.name.substr(prefix.size()), a.dtype, a.count});
    return out;
}

// ---------------------------------------------------------------------------------------------
// Fingerprints: FNV-1a over a canonical encoding of type, config and state layout.

void put_u64(std::string& out, std::uint64_t x) {
    for (int i = 0; i < 8; ++i) out += static_cast<char>((x >> (8 * i)) & 0xff);
}
void put_string(std::string& out, std::string_view s) {
    put_u64(out, s.size());
    out += s;
}
void canonical(const Value& v, std::string& out) {
    if (v.is_null()) {
        out += 'n';
    } else if (v.is_bool()) {
        out += v.as_bool() ? 'T' : 'F';
    } else if (v.is_number()) {
        out += 'd';
        put_u64(out, std::bit_cast<std::uint64_t>(v.as_number()));
    } else if (v.is_string()) {
        out += 's';
        put_string(out, v.as_string());
    } else if (v.is_list()) {
        out += 'l';
        put_u64(out, v.as_list().size());
        for (const auto& x : v.as_list()) canonical(x, out);
    } else {
        out += 'm';
        put_u64(out, v.as_map().size());
        for (const auto& [k, x] : v.as_map()) {
            put_string(out, k);
            canonical(x, out);
        }
    }
}

std::uint64_t fingerprint(std::string_view type, const Value& config, const std::vector<ArrayInfo>& arrays) {
    std::string text;
    put_string(text, type);
    canonical(config, text);
    put_u64(text, arrays.size());
    for (const auto& a : arrays) {
        put_string(text, a.name);
        text += static_cast<char>(a.dtype);
        put_u64(text, a.count);
    }
    return fnv1a(text);
}

// ---------------------------------------------------------------------------------------------
// The description of a simulation

pb::NetworkFileProto description_of(const graph::Simulation& sim) {
    pb::NetworkFileProto proto;
    detail::description_to(sim.network(), sim.input_specs(), user_templates(sim.templates()), &proto);
    return proto;
}

// ---------------------------------------------------------------------------------------------
// Records

[[noreturn]] void fail_save(const std::string& name, const std::string& message) {
    throw SnapshotError("cannot save snapshot '" + name + "': " + message);
}

class RecordWriter {
public:
    RecordWriter(std::ostream& out, std::string name) : out_(out), name_(std::move(name)) {}
    void magic() { out_.write(kMagic, sizeof kMagic); }
    void write(const pb::SnapshotRecordProto& record) {
        record.SerializeToString(&buffer_);
        if (buffer_.size() > kMaxRecord) fail_save(name_, "a record exceeds 2 GiB (is the network description that large?)");
        auto n = static_cast<std::uint32_t>(buffer_.size());
        char head[5];
        int k = 0;
        do {
            head[k++] = static_cast<char>((n & 0x7f) | (n >= 0x80 ? 0x80 : 0));
            n >>= 7;
        } while (n);
        out_.write(head, k);
        out_.write(buffer_.data(), static_cast<std::streamsize>(buffer_.size()));
        const std::uint32_t crc = crc32_of(buffer_);
        char tail[4];
        for (int i = 0; i < 4; ++i) tail[i] = static_cast<char>((crc >> (8 * i)) & 0xff);
        out_.write(tail, 4);
    }

private:
    std::ostream& out_;
    std::string name_;
    std::string buffer_;
};

class RecordReader {
public:
    RecordReader(std::istream& in, std::string name) : in_(in), name_(std::move(name)) {}

    void magic() {
        char head[sizeof kMagic];
        in_.read(head, sizeof head);
        const auto got = static_cast<std::size_t>(in_.gcount());
        if (got == 0) fail(name_, "the file is empty");
        if (std::memcmp(head, kMagic, got) != 0)
            fail(name_, "is not a spark snapshot (it does not start with the snapshot magic bytes)");
        if (got < sizeof kMagic) fail(name_, "is truncated: it ends inside the magic bytes");
        offset_ = sizeof kMagic;
    }

    // Reads the next record; false at a clean end of the stream when `end_allowed`.
    bool next(pb::SnapshotRecordProto& record, bool end_allowed = false) {
        const std::uint64_t start = offset_;
        const std::string where = "record " + std::to_string(index_) + " (at byte " + std::to_string(start) + ")";
        std::uint64_t length = 0;
        for (int shift = 0;; shift += 7) {
            const int c = in_.get();
            if (c == std::char_traits<char>::eof()) {
                if (shift == 0 && end_allowed) return false;
                fail(name_, "is truncated: it ends " + std::string(shift == 0 ? "before " : "inside the length of ") + where);
            }
            ++offset_;
            if (shift > 28) fail(name_, "is corrupt: " + where + " has an invalid length");
            length |= static_cast<std::uint64_t>(c & 0x7f) << shift;
            if (!(c & 0x80)) break;
        }
        if (length > kMaxRecord) fail(name_, "is corrupt: " + where + " claims " + std::to_string(length) + " bytes");
        // Read in pieces, so that a corrupt length cannot make us allocate more than the stream holds.
        buffer_.clear();
        while (buffer_.size() < length) {
            const std::size_t old = buffer_.size();
            const std::size_t piece = std::min<std::size_t>(static_cast<std::size_t>(length) - old, kReadPiece);
            buffer_.resize(old + piece);
            in_.read(buffer_.data() + old, static_cast<std::streamsize>(piece));
            const auto got = static_cast<std::size_t>(in_.gcount());
            offset_ += got;
            if (got < piece) fail(name_, "is truncated: it ends inside " + where);
        }
        char tail[4];
        in_.read(tail, 4);
        offset_ += static_cast<std::uint64_t>(in_.gcount());
        if (in_.gcount() < 4) fail(name_, "is truncated: it ends inside the checksum of " + where);
        std::uint32_t crc = 0;
        for (int i = 0; i < 4; ++i) crc |= static_cast<std::uint32_t>(static_cast<unsigned char>(tail[i])) << (8 * i);
        if (crc != crc32_of(buffer_)) fail(name_, "is corrupt: the checksum of " + where + " does not match its content");
        bool parsed = false;
        {
            const google::protobuf::LogSilencer quiet;  // a corrupt record is our error, not a log line
            parsed = record.ParseFromString(buffer_);
        }
        if (!parsed) fail(name_, "is corrupt: " + where + " is not a snapshot record");
        ++index_;
        return true;
    }

    void expect_end() {
        if (in_.peek() != std::char_traits<char>::eof())
            fail(name_, "is corrupt: it has data after its end (byte " + std::to_string(offset_) + ")");
    }

    const std::string& name() const { return name_; }

private:
    std::istream& in_;
    std::string name_;
    std::string buffer_;
    std::uint64_t offset_ = 0;
    std::size_t index_ = 0;
};

pb::SnapshotHeaderProto read_header(RecordReader& reader) {
    reader.magic();
    pb::SnapshotRecordProto record;
    reader.next(record);
    if (record.record_case() != pb::SnapshotRecordProto::kHeader)
        fail(reader.name(), "is corrupt: its first record is not the header");
    pb::SnapshotHeaderProto header = std::move(*record.mutable_header());
    if (header.format_version() != snapshot_format_version)
        fail(reader.name(), "has format version " + std::to_string(header.format_version()) + " (written by " +
                                (header.writer().empty() ? std::string("an unknown writer") : header.writer()) +
                                "); this build of spark reads version " + std::to_string(snapshot_format_version) +
                                " only: resume it with the spark that wrote it");
    return header;
}

detail::Description description_from_snapshot(const pb::SnapshotHeaderProto& header, const std::string& name) {
    try {
        return detail::description_from(header.description(),
                                         detail::Locator("snapshot '" + name + "' description", nullptr, nullptr));
    } catch (const Error& e) {
        fail(name, std::string("its network description is invalid: ") + e.what());
    }
}

// ---------------------------------------------------------------------------------------------
// Checks of a header against a simulation

// The config a node snapshot records (every field, as config_value() gave it).
Value config_from(const pb::NodeSnapshot& node, const std::string& name) {
    Value::Map map;
    const detail::Locator nowhere("", nullptr, nullptr);
    for (const auto& p : node.config()) {
        try {
            map.emplace_back(p.path(), detail::value_from(p, nowhere));
        } catch (const NetworkFileError& e) {
            fail(name, "is corrupt: the config of node '" + node.path() + "': " + e.message());
        }
    }
    return Value(std::move(map));
}

// Why node `path` differs; empty when it does not (in what the snapshot records).
std::vector<std::string> explain_node(const pb::NodeSnapshot& saved, const Value& saved_config,
                                      const std::vector<ArrayInfo>& saved_arrays, const std::string& type,
                                      const Value& config, const std::vector<ArrayInfo>& arrays) {
    std::vector<std::string> out;
    const std::string where = "node '" + saved.path() + "'";
    if (saved.type() != type) {
        out.push_back(where + " is of type " + saved.type() + " in the snapshot but " + type + " in this network");
        return out;
    }
    for (const auto& [field, value] : saved_config.as_map()) {
        const Value* now = config.find(field);
        if (!now) out.push_back(where + " (" + type + "): config field '" + field + "' of the snapshot does not exist in this network");
        else if (!(*now == value))
            out.push_back(where + " (" + type + "): config field '" + field + "' is " + value.to_string() +
                          " in the snapshot but " + now->to_string() + " in this network");
    }
    for (const auto& [field, value] : config.as_map())
        if (!saved_config.find(field))
            out.push_back(where + " (" + type + "): config field '" + field + "' is not in the snapshot");
    for (const auto& a : saved_arrays) {
        auto it = std::find_if(arrays.begin(), arrays.end(), [&](const ArrayInfo& b) { return b.name == a.name; });
        if (it == arrays.end())
            out.push_back(where + " (" + type + "): state array '" + a.name + "' of the snapshot does not exist in this network");
        else if (it->dtype != a.dtype || it->count != a.count)
            out.push_back(where + " (" + type + "): state array '" + a.name + "' is " + array_text(a.dtype, a.count) +
                          " in the snapshot but " + array_text(it->dtype, it->count) + " in this network");
    }
    for (const auto& b : arrays)
        if (std::none_of(saved_arrays.begin(), saved_arrays.end(), [&](const ArrayInfo& a) { return a.name == b.name; }))
            out.push_back(where + " (" + type + "): state array '" + b.name + "' is not in the snapshot");
    return out;
}

// The directory of a header as ArrayInfo; checks it is well formed.
std::vector<ArrayInfo> directory_of(const pb::SnapshotHeaderProto& header, const std::string& name) {
    std::vector<ArrayInfo> out;
    std::set<std::string> seen;
    for (const auto& a : header.array()) {
        DType dtype{};
        if (!detail::dtype_from(a.dtype(), dtype))
            fail(name, "is corrupt: array '" + a.name() + "' has an unknown dtype");
        if (!seen.insert(a.name()).second) fail(name, "is corrupt: array '" + a.name() + "' is listed twice");
        if (a.count() > (std::uint64_t{1} << 56)) fail(name, "is corrupt: array '" + a.name() + "' is too large");
        out.push_back({a.name(), dtype, static_cast<std::size_t>(a.count())});
    }
    return out;
}

// Checks everything a header says against `sim`: node fingerprints, the description, the arrays.
void check_header(graph::Simulation& sim, const pb::SnapshotHeaderProto& header, const std::vector<ArrayInfo>& directory,
                  const std::vector<ArrayInfo>& layout, const std::string& name) {
    // 1. Every node: type, config and state layout (the fingerprint), by path.
    std::vector<std::string> problems;
    // The header agrees with itself: each node's fingerprint is that of its recorded type, config and arrays.
    std::map<std::string, const pb::NodeSnapshot*> saved;
    std::map<std::string, Value> saved_configs;
    for (const auto& n : header.node()) {
        if (!saved.emplace(n.path(), &n).second) fail(name, "is corrupt: node '" + n.path() + "' is listed twice");
        Value config = config_from(n, name);
        if (fingerprint(n.type(), config, node_arrays(directory, n.path())) != n.fingerprint())
            fail(name, "is corrupt: node '" + n.path() + "' does not match its fingerprint");
        saved_configs.emplace(n.path(), std::move(config));
    }
    std::set<std::string> present;
    for (const auto& info : sim.nodes()) {
        present.insert(info.path);
        auto it = saved.find(info.path);
        if (it == saved.end()) {
            problems.push_back("node '" + info.path + "' (" + info.type + ") of this network is not in the snapshot");
            continue;
        }
        const Value config = sim.component(info.path).config_value();
        const auto arrays = node_arrays(layout, info.path);
        if (fingerprint(info.type, config, arrays) == it->second->fingerprint()) continue;
        auto why = explain_node(*it->second, saved_configs.at(info.path), node_arrays(directory, info.path), info.type,
                                config, arrays);
        if (why.empty())
            why.push_back("node '" + info.path + "' (" + info.type +
                          "): its fingerprint differs (the snapshot was written by a different build of spark?)");
        problems.insert(problems.end(), why.begin(), why.end());
    }
    for (const auto& [path, n] : saved)
        if (!present.count(path)) problems.push_back("node '" + path + "' (" + n->type() + ") of the snapshot is not in this network");
    if (!problems.empty()) fail(name, "was taken from a different network:", std::move(problems));

    // 2. The description: wires, seed, dt, input specs, user templates.
    const pb::NetworkFileProto mine = description_of(sim);
    google::protobuf::util::MessageDifferencer differ;
    std::string report;
    differ.ReportDifferencesToString(&report);
    if (!differ.Compare(header.description(), mine)) {
        std::istringstream lines(report);
        std::string line;
        while (std::getline(lines, line)) problems.push_back(line);
        fail(name, "was taken from a different network description (snapshot -> this network):", std::move(problems));
    }

    // 3. Every array: present, same dtype and size, none extra.
    std::unordered_map<std::string, const ArrayInfo*> by_name;
    for (const auto& a : directory) by_name.emplace(a.name, &a);
    for (const auto& a : layout) {
        auto it = by_name.find(a.name);
        if (it == by_name.end()) problems.push_back("state array '" + a.name + "' is missing from the snapshot");
        else if (it->second->dtype != a.dtype || it->second->count != a.count)
            problems.push_back("state array '" + a.name + "' is " + array_text(it->second->dtype, it->second->count) +
                               " in the snapshot but " + array_text(a.dtype, a.count) + " in this network");
        if (it != by_name.end()) by_name.erase(it);
    }
    for (const auto& a : directory)
        if (by_name.count(a.name)) problems.push_back("state array '" + a.name + "' of the snapshot is not in this network");
    if (!problems.empty()) fail(name, "does not fit this network's state:", std::move(problems));
}

using Staging = std::unordered_map<std::string, std::vector<std::byte>>;

template <class T>
T load_element(const std::vector<std::byte>& bytes, std::size_t i) {
    T x;
    std::memcpy(&x, bytes.data() + i * sizeof(T), sizeof(T));
    return x;
}

// Whether element `i` of a staged integer array lies in `valid` (u64 elements compare as unsigned).
bool in_range(const std::vector<std::byte>& bytes, DType dtype, std::size_t i, ValidRange valid) {
    auto within = [&](std::int64_t x) { return x >= valid.min && x <= valid.max; };
    switch (dtype) {
    case DType::u8: return within(load_element<std::uint8_t>(bytes, i));
    case DType::u16: return within(load_element<std::uint16_t>(bytes, i));
    case DType::i32: return within(load_element<std::int32_t>(bytes, i));
    case DType::u64: {
        const auto x = load_element<std::uint64_t>(bytes, i);
        return x <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) &&
               within(static_cast<std::int64_t>(x));
    }
    case DType::f32: break;
    }
    throw InternalError("snapshot load: a float state array declares a valid range");
}

std::string element_text(const std::vector<std::byte>& bytes, DType dtype, std::size_t i) {
    switch (dtype) {
    case DType::u8: return std::to_string(load_element<std::uint8_t>(bytes, i));
    case DType::u16: return std::to_string(load_element<std::uint16_t>(bytes, i));
    case DType::i32: return std::to_string(load_element<std::int32_t>(bytes, i));
    case DType::u64: return std::to_string(load_element<std::uint64_t>(bytes, i));
    case DType::f32: break;
    }
    return std::to_string(load_element<float>(bytes, i));
}

// "pool.delays/index" -> "node 'pool.delays', field 'index'".
std::string array_place(std::string_view name) {
    const auto slash = name.find('/');
    if (slash == std::string_view::npos) return "'" + std::string(name) + "'";
    return "node '" + std::string(name.substr(0, slash)) + "', field '" + std::string(name.substr(slash + 1)) + "'";
}

// Checks the staged values of every array that declares a valid range, against the built network,
// before anything is applied.
class RangeCheck final : public StateVisitor {
public:
    explicit RangeCheck(const Staging& staging) : StateVisitor(StateAccess::read), staging_(staging) {}
    std::vector<std::string> problems;

    void visit(std::string_view, DType, void*, std::size_t) override {}
    void visit_bounded(std::string_view name, DType dtype, void*, std::size_t count, ValidRange valid) override {
        auto it = staging_.find(std::string(name));
        if (it == staging_.end() || it->second.size() != count * size_of(dtype))
            throw InternalError("snapshot load: state array '" + std::string(name) + "' was not staged");
        std::size_t bad = 0, first = 0;
        for (std::size_t i = 0; i < count; ++i)
            if (!in_range(it->second, dtype, i, valid) && bad++ == 0) first = i;
        if (bad == 0) return;
        std::string text = array_place(name) + ": " + element_text(it->second, dtype, first) +
                           (count > 1 ? " at element " + std::to_string(first) : "") + " is outside " +
                           std::to_string(valid.min) + ".." + std::to_string(valid.max) + " in this network";
        if (bad > 1) text += " (and " + std::to_string(bad - 1) + " more element" + (bad > 2 ? "s" : "") + ")";
        problems.push_back(std::move(text));
    }

private:
    const Staging& staging_;
};

// Copies validated staging buffers into the simulation.
class ApplyVisitor final : public StateVisitor {
public:
    explicit ApplyVisitor(Staging& staging) : StateVisitor(StateAccess::write), staging_(staging) {}
    void visit(std::string_view name, DType dtype, void* data, std::size_t count) override {
        auto it = staging_.find(std::string(name));
        if (it == staging_.end() || it->second.size() != count * size_of(dtype))
            throw InternalError("snapshot load: state array '" + std::string(name) + "' changed during the load");
        if (count) std::memcpy(data, it->second.data(), it->second.size());
    }

private:
    Staging& staging_;
};

// Chunk data are stored deflated: states are mostly zeros and repeated values (an idle delay line, a
// sparse kernel's uniform weights), so a snapshot is a few percent of the raw state.
std::string deflated(const char* data, std::size_t size) {
    uLongf length = compressBound(static_cast<uLong>(size));
    std::string out(length, '\0');
    if (compress2(reinterpret_cast<Bytef*>(out.data()), &length, reinterpret_cast<const Bytef*>(data),
                  static_cast<uLong>(size), Z_DEFAULT_COMPRESSION) != Z_OK)
        throw InternalError("snapshot save: deflating a chunk failed");
    out.resize(length);
    return out;
}

// Inflates `stored` into exactly `size` bytes at `out`: false unless it is one complete zlib stream of
// exactly that many bytes (so a forged chunk cannot write past its place, nor leave it half filled).
bool inflate_exactly(const std::string& stored, std::byte* out, std::size_t size) {
    uLongf produced = size;
    uLong consumed = stored.size();
    const int result = uncompress2(reinterpret_cast<Bytef*>(out), &produced,
                                   reinterpret_cast<const Bytef*>(stored.data()), &consumed);
    return result == Z_OK && produced == size && consumed == stored.size();
}

// Writes the arrays in directory order, in chunks.
class ChunkWriter final : public StateVisitor {
public:
    ChunkWriter(RecordWriter& writer, const std::vector<ArrayInfo>& directory)
        : StateVisitor(StateAccess::read), writer_(writer), directory_(directory) {}
    void visit(std::string_view name, DType dtype, void* data, std::size_t count) override {
        if (index_ >= directory_.size() || directory_[index_].name != name || directory_[index_].dtype != dtype ||
            directory_[index_].count != count)
            throw InternalError("snapshot save: the state changed between two visits at '" + std::string(name) + "'");
        const std::size_t bytes = count * size_of(dtype);
        const auto* p = static_cast<const char*>(data);
        for (std::size_t offset = 0; offset < bytes; offset += snapshot_chunk_bytes) {
            pb::SnapshotRecordProto record;
            auto* chunk = record.mutable_chunk();
            chunk->set_array(static_cast<std::uint32_t>(index_));
            chunk->set_offset(offset);
            const std::size_t size = std::min(snapshot_chunk_bytes, bytes - offset);
            chunk->set_size(size);
            chunk->set_deflated(deflated(p + offset, size));
            writer_.write(record);
            ++chunks_;
        }
        ++index_;
    }
    std::uint64_t chunks() const { return chunks_; }

private:
    RecordWriter& writer_;
    const std::vector<ArrayInfo>& directory_;
    std::size_t index_ = 0;
    std::uint64_t chunks_ = 0;
};

std::uint64_t chunks_for(std::size_t bytes) { return (bytes + snapshot_chunk_bytes - 1) / snapshot_chunk_bytes; }

}  // namespace

// -------------------------------------------------------------------------------------------------

namespace {
void write_records(graph::Simulation& simulation, std::ostream& out, const std::string& name) {
    const auto layout = layout_of(simulation);
    std::set<std::string> names;
    for (const auto& a : layout)
        if (!names.insert(a.name).second) fail_save(name, "two state arrays are named '" + a.name + "'");

    pb::SnapshotRecordProto record;
    auto* header = record.mutable_header();
    header->set_format_version(snapshot_format_version);
    header->set_writer("spark " + std::string(version()));
    *header->mutable_description() = description_of(simulation);
    header->set_step(simulation.step_count());
    for (const auto& info : simulation.nodes()) {
        auto* node = header->add_node();
        node->set_path(info.path);
        node->set_type(info.type);
        const Value config = simulation.component(info.path).config_value();
        node->set_fingerprint(fingerprint(info.type, config, node_arrays(layout, info.path)));
        for (const auto& [field, value] : config.as_map()) {
            auto* p = node->add_config();
            p->set_path(field);
            detail::value_to(value, field, p);
        }
    }
    std::uint64_t total_chunks = 0;
    for (const auto& a : layout) {
        auto* entry = header->add_array();
        entry->set_name(a.name);
        entry->set_dtype(detail::dtype_to(a.dtype));
        entry->set_count(a.count);
        entry->set_chunks(chunks_for(a.bytes()));
        total_chunks += entry->chunks();
    }

    RecordWriter writer(out, name);
    writer.magic();
    writer.write(record);
    ChunkWriter chunks(writer, layout);
    simulation.visit_state(chunks);
    if (chunks.chunks() != total_chunks) throw InternalError("snapshot save: chunk count mismatch");
    pb::SnapshotRecordProto trailer;
    trailer.mutable_trailer()->set_chunks(total_chunks);
    writer.write(trailer);
    out.flush();
    if (!out) fail_save(name, "writing failed");
}
}  // namespace

void write_snapshot(graph::Simulation& simulation, std::ostream& out) { write_records(simulation, out, "<stream>"); }

namespace {
Staging read_and_check(graph::Simulation& simulation, std::istream& in, const std::string& name) {
    RecordReader reader(in, name);
    const pb::SnapshotHeaderProto header = read_header(reader);
    const auto directory = directory_of(header, name);
    const auto layout = layout_of(simulation);
    check_header(simulation, header, directory, layout, name);

    // Stage every array; chunks must come in directory order, contiguous, each array complete.
    std::vector<std::vector<std::byte>> staged(directory.size());
    for (std::size_t i = 0; i < directory.size(); ++i) staged[i].resize(directory[i].bytes());
    std::size_t current = 0, filled = 0;
    std::uint64_t chunks = 0;
    auto skip_complete = [&] {
        while (current < directory.size() && filled == staged[current].size()) {
            if (chunks_for(staged[current].size()) != header.array(static_cast<int>(current)).chunks())
                fail(name, "is corrupt: array '" + directory[current].name + "' has an inconsistent chunk count");
            ++current;
            filled = 0;
        }
    };
    skip_complete();
    pb::SnapshotRecordProto record;
    for (;;) {
        reader.next(record);
        if (record.record_case() == pb::SnapshotRecordProto::kTrailer) break;
        if (record.record_case() != pb::SnapshotRecordProto::kChunk)
            fail(name, "is corrupt: record after the header is neither a chunk nor the trailer");
        const auto& c = record.chunk();
        if (current >= directory.size())
            fail(name, "is corrupt: it has more chunks than its arrays need");
        if (c.array() != current || c.offset() != filled || c.size() > staged[current].size() - filled || c.size() == 0)
            fail(name, "is corrupt: chunk " + std::to_string(chunks) + " is out of order (array " +
                           std::to_string(c.array()) + ", offset " + std::to_string(c.offset()) + ", " +
                           std::to_string(c.size()) + " bytes)");
        if (!inflate_exactly(c.deflated(), staged[current].data() + filled, c.size()))
            fail(name, "is corrupt: chunk " + std::to_string(chunks) + " (array '" + directory[current].name +
                           "') does not inflate to its " + std::to_string(c.size()) + " bytes");
        filled += c.size();
        ++chunks;
        skip_complete();
    }
    if (current < directory.size())
        fail(name, "is truncated: array '" + directory[current].name + "' is incomplete");
    if (record.trailer().chunks() != chunks)
        fail(name, "is corrupt: its trailer counts " + std::to_string(record.trailer().chunks()) + " chunks, but it has " +
                       std::to_string(chunks));
    reader.expect_end();

    Staging staging;
    for (std::size_t i = 0; i < directory.size(); ++i) staging.emplace(directory[i].name, std::move(staged[i]));
    // The step counter is stored twice; both must agree.
    auto step = staging.find("@step");
    if (step == staging.end() || step->second.size() != sizeof(std::int64_t))
        fail(name, "is corrupt: it has no step counter");
    std::int64_t stored = 0;
    std::memcpy(&stored, step->second.data(), sizeof stored);
    if (stored != header.step())
        fail(name, "is corrupt: its step counters disagree (" + std::to_string(stored) + " and " +
                       std::to_string(header.step()) + ")");
    RangeCheck ranges(staging);
    simulation.visit_state(ranges);
    if (!ranges.problems.empty())
        fail(name, "holds values this network cannot take (positions, counters or codes out of range):",
             std::move(ranges.problems));
    return staging;
}
}  // namespace

void read_snapshot(graph::Simulation& simulation, std::istream& in, std::string_view stream_name) {
    const std::string name(stream_name);
    Staging staging;
    try {
        staging = read_and_check(simulation, in, name);
    } catch (const SnapshotError&) {
        throw;
    } catch (const Error& e) {  // e.g. a value of the stored description or configs that is not one
        fail(name, std::string("is corrupt: ") + e.what());
    }
    // Everything is valid: only now is the simulation written.
    ApplyVisitor apply(staging);
    simulation.visit_state(apply);
}

namespace {

std::filesystem::path parent_directory(const std::filesystem::path& path) {
    return path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path();
}

std::string file_kind(mode_t mode) {
    if (S_ISDIR(mode)) return "a directory";
    if (S_ISCHR(mode)) return "a character device";
    if (S_ISBLK(mode)) return "a block device";
    if (S_ISFIFO(mode)) return "a fifo";
    if (S_ISSOCK(mode)) return "a socket";
    return "not a regular file";
}

// A save replaces only a regular file (or a link to one, which the file replaces): never a device, a
// fifo or a directory, whatever the rights of the caller.
void check_replaceable(const std::filesystem::path& path, const std::string& name) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        if (errno == ENOENT) return;  // nothing there (or a dangling link)
        fail_save(name, std::string("cannot examine it: ") + std::strerror(errno));
    }
    if (!S_ISREG(st.st_mode))
        fail_save(name, "it is " + file_kind(st.st_mode) + "; a snapshot only replaces a regular file");
}

// A save holds a lock on its temporary `<path>.tmp-XXXXXX` until the rename. A temporary that no
// process holds was left by a killed save: it is removed by the next save to the same path.
void remove_stale_temporaries(const std::filesystem::path& path) {
    const std::string prefix = path.filename().string() + ".tmp-";
    std::error_code ec;
    std::filesystem::directory_iterator it(parent_directory(path), ec), end;
    for (; !ec && it != end; it.increment(ec)) {
        const std::string file = it->path().filename().string();
        if (file.size() != prefix.size() + 6 || file.compare(0, prefix.size(), prefix) != 0) continue;
        const int fd = ::open(it->path().c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0) continue;
        struct stat st {};
        if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && ::flock(fd, LOCK_EX | LOCK_NB) == 0)
            ::unlink(it->path().c_str());
        ::close(fd);
    }
}

// Writes the snapshot into `temporary` and makes its data durable.
void write_temporary(graph::Simulation& simulation, const std::string& temporary, const std::string& name) {
    {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        if (!out) fail_save(name, "cannot open '" + temporary + "' for writing");
        write_records(simulation, out, name);
        out.close();
        if (!out) fail_save(name, "writing '" + temporary + "' failed");
    }
    const int sync_fd = ::open(temporary.c_str(), O_RDONLY | O_CLOEXEC);
    if (sync_fd < 0 || ::fsync(sync_fd) != 0) {
        const int e = errno;
        if (sync_fd >= 0) ::close(sync_fd);
        fail_save(name, "cannot sync '" + temporary + "': " + std::strerror(e));
    }
    ::close(sync_fd);
}

}  // namespace

void save_snapshot(graph::Simulation& simulation, const std::filesystem::path& path) {
    const std::string name = path.string();
    check_replaceable(path, name);
    remove_stale_temporaries(path);
    const std::string pattern = name + ".tmp-XXXXXX";
    std::string temporary = pattern;
    const int lock_fd = ::mkstemp(temporary.data());
    if (lock_fd < 0) fail_save(name, "cannot create '" + pattern + "': " + std::strerror(errno));
    ::fchmod(lock_fd, 0644);
    ::flock(lock_fd, LOCK_EX);  // ours until the rename: another save does not take it for stale
    try {
        write_temporary(simulation, temporary, name);
        check_replaceable(path, name);  // (again: it may have appeared meanwhile)
        if (std::rename(temporary.c_str(), path.c_str()) != 0)
            fail_save(name, "cannot rename '" + temporary + "' to it: " + std::strerror(errno));
    } catch (...) {
        std::error_code ignored;
        std::filesystem::remove(temporary, ignored);
        ::close(lock_fd);
        throw;
    }
    ::close(lock_fd);
    // The rename itself becomes durable with its directory (best effort: not every file system allows it).
    if (const int dir_fd = ::open(parent_directory(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dir_fd >= 0) {
        ::fsync(dir_fd);
        ::close(dir_fd);
    }
}

void load_snapshot(graph::Simulation& simulation, const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) fail(path.string(), std::string("cannot be opened: ") + std::strerror(errno));
    read_snapshot(simulation, in, path.string());
}

SnapshotHeader read_snapshot_header(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) fail(path.string(), std::string("cannot be opened: ") + std::strerror(errno));
    RecordReader reader(in, path.string());
    const pb::SnapshotHeaderProto header = read_header(reader);
    detail::Description d = description_from_snapshot(header, path.string());
    SnapshotHeader out;
    out.network = std::move(d.network);
    out.input_specs = std::move(d.input_specs);
    out.templates = std::move(d.templates);
    out.step = header.step();
    return out;
}

graph::Simulation build_simulation(const SnapshotHeader& header, graph::BuildOptions options) {
    const graph::TemplateRegistry templates = templates_with_builtins(header.templates);
    options.templates = &templates;  // Simulation::build keeps a copy
    return graph::Simulation::build(header.network, header.input_specs, options);
}

graph::Simulation restore_simulation(const std::filesystem::path& path, const graph::BuildOptions& options) {
    auto sim = build_simulation(read_snapshot_header(path), options);
    load_snapshot(sim, path);
    return sim;
}

}  // namespace spark::serialization
