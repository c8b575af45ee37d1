#include <spark/tools/recording.hpp>

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstring>
#include <map>

#include <spark/core/error.hpp>
#include <spark/core/spike_index.hpp>
#include <spark/core/text.hpp>

namespace spark::tools {

namespace {

void append_int(std::string& s, std::int64_t v) {
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    s.append(buf, r.ptr);
}

void append_float(std::string& s, float v) {
    char buf[32];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    s.append(buf, r.ptr);
}

// The CSV recorders buffer their lines and write them out past this size, and at close.
constexpr std::size_t flush_size = std::size_t{1} << 16;

void write_lines(OutputFile& out, std::string& lines) {
    out.write(lines);
    lines.clear();
}

std::string parent_path(const std::string& path) {
    const auto dot = path.rfind('.');
    return dot == std::string::npos ? std::string() : path.substr(0, dot);
}

}  // namespace

std::string format_time(std::int64_t step, double dt) {
    const double t = std::round(static_cast<double>(step) * dt * 1e9) / 1e9;
    char buf[32];
    auto r = std::to_chars(buf, buf + sizeof buf, t);
    return std::string(buf, r.ptr);
}

std::vector<Population> find_populations(const graph::Simulation& simulation, const Registry& registry) {
    std::vector<Population> pops;
    for (const auto& node : simulation.nodes()) {
        const ComponentInfo* info = registry.find(node.type);
        if (!info || info->category != "soma") continue;
        for (const auto& out : node.outputs)
            if (out.spec.kind == PayloadKind::spikes) pops.push_back({node.path, node.path, out.name, out.spec.size()});
    }
    // Name each population after its enclosing neuron when that is unambiguous.
    std::map<std::string, int> per_parent;
    for (const auto& p : pops) ++per_parent[parent_path(p.node)];
    for (auto& p : pops) {
        const std::string parent = parent_path(p.node);
        if (!parent.empty() && per_parent[parent] == 1) p.name = parent;
    }
    return pops;
}

SpikeRecorder::SpikeRecorder(std::vector<Population> populations, const std::filesystem::path& path, bool header,
                             graph::ProcessGroup* processes)
    : populations_(std::move(populations)), counts_(populations_.size(), 0), out_(path), processes_(processes) {
    if (header) {
        out_.write("step,time_ms,node,unit\n");
        out_.flush();
    }
}

void SpikeRecorder::add(std::int64_t step, double dt, std::size_t p, std::size_t unit, std::string& prefix) {
    if (prefix.empty()) {
        append_int(prefix, step);
        prefix += ',';
        prefix += format_time(step, dt);
        prefix += ',';
    }
    line_ += prefix;
    line_ += populations_[p].name;
    line_ += ',';
    append_int(line_, static_cast<std::int64_t>(unit));
    line_ += '\n';
    ++counts_[p];
    if (!spikes_.empty()) spikes_[p].push_back({step, unit});
}

void SpikeRecorder::record(const graph::Simulation& sim) {
    const std::int64_t step = sim.step_count() - 1;
    if (processes_) return record_own(sim, step);
    std::string prefix;
    for (std::size_t p = 0; p < populations_.size(); ++p)
        for_each_spike(sim.read(populations_[p].node, populations_[p].port),
                       [&](std::size_t u) { add(step, sim.dt(), p, u, prefix); });
    if (line_.size() > flush_size) write_lines(out_, line_);
}

void SpikeRecorder::record_own(const graph::Simulation& sim, std::int64_t step) {
    dt_ = sim.dt();
    held_steps_.push_back(step);
    for (const Population& pop : populations_) {
        const graph::Simulation::OwnPart own = sim.read_own(pop.node, pop.port);
        const auto* codes = static_cast<const std::uint8_t*>(own.value.data);
        const std::size_t count_at = held_.size();
        held_.push_back(0);
        std::uint32_t units[256];
        for (std::size_t begin = own.begin; begin < own.end; begin += 256) {
            const std::size_t n = list_spikes(codes, begin, std::min(own.end, begin + 256), units);
            held_.insert(held_.end(), units, units + n);
        }
        held_[count_at] = static_cast<std::uint32_t>(held_.size() - count_at - 1);
    }
    if (held_steps_.size() == merge_steps) merge();
}

void SpikeRecorder::merge() {
    std::vector<std::byte> all;
    std::vector<std::size_t> bytes;
    processes_->gather(std::as_bytes(std::span<const std::uint32_t>(held_)), all, bytes, 0);
    held_.clear();
    const std::vector<std::int64_t> steps = std::move(held_steps_);
    held_steps_.clear();
    if (processes_->rank() != 0) return;
    // Per process: where its next entry is, and where its part ends.
    std::vector<std::size_t> next(bytes.size()), end(bytes.size());
    for (std::size_t r = 0, at = 0; r < bytes.size(); at += bytes[r], ++r) {
        next[r] = at;
        end[r] = at + bytes[r];
    }
    auto entry = [&](std::size_t r) {
        if (end[r] - next[r] < sizeof(std::uint32_t))
            throw InternalError("spike recording: rank " + std::to_string(r) + "'s part of the merge is cut short");
        std::uint32_t value = 0;
        std::memcpy(&value, all.data() + next[r], sizeof value);
        next[r] += sizeof value;
        return value;
    };
    for (const std::int64_t step : steps) {
        std::string prefix;
        for (std::size_t p = 0; p < populations_.size(); ++p)
            for (std::size_t r = 0; r < bytes.size(); ++r)  // the blocks of the ranks in unit order
                for (std::uint32_t n = entry(r); n > 0; --n) add(step, dt_, p, entry(r), prefix);
        if (line_.size() > flush_size) write_lines(out_, line_);
    }
    for (std::size_t r = 0; r < bytes.size(); ++r)
        if (next[r] != end[r])
            throw InternalError("spike recording: rank " + std::to_string(r) + " held other steps than rank 0");
}

void SpikeRecorder::close() {
    if (processes_ && !held_steps_.empty()) merge();
    write_lines(out_, line_);
    out_.close();
}

// NumPy format 1.0: magic, version, little-endian uint16 header length, a Python dict literal padded
// with spaces to a 64-byte boundary and ended by '\n', then the raw row-major data.
namespace {
constexpr std::size_t kNpyHeaderBytes = 128;  // magic + version + length + dict: room for any shape
}

NpyWriter::NpyWriter(const std::filesystem::path& path, std::size_t columns)
    : out_(path), columns_(columns), open_(true) {
    out_.write(header());
}

NpyWriter::~NpyWriter() {
    try {
        close();
    } catch (...) {  // a destructor must not throw; close() explicitly to see errors
    }
}

std::string NpyWriter::header() const {
    const char* descr = std::endian::native == std::endian::little ? "<f4" : ">f4";
    std::string dict = std::string("{'descr': '") + descr + "', 'fortran_order': False, 'shape': (" +
                       std::to_string(rows_) + ", " + std::to_string(columns_) + "), }";
    const std::size_t dict_bytes = kNpyHeaderBytes - 10;
    dict.resize(dict_bytes - 1, ' ');
    dict += '\n';
    const auto len = static_cast<std::uint16_t>(dict_bytes);
    const char prefix[10] = {'\x93', 'N', 'U', 'M', 'P', 'Y', 1, 0, static_cast<char>(len & 0xff),
                             static_cast<char>(len >> 8)};
    return std::string(prefix, sizeof prefix) + dict;
}

void NpyWriter::append(std::span<const float> row) {
    if (row.size() != columns_) throw InternalError("NpyWriter: row of the wrong length");
    out_.write(std::string_view(reinterpret_cast<const char*>(row.data()), row.size_bytes()));
    ++rows_;
}

void NpyWriter::close() {
    if (!open_) return;
    open_ = false;
    out_.write_at(0, header());
    out_.close();
}

void to_float(const PortSpec& spec, ConstArrayRef view, std::span<float> out) {
    const std::size_t n = std::min(view.size, out.size());
    const auto convert = [&]<class T>() {
        const std::span<const T> in = view.as<T>();
        for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<float>(in[i]);
    };
    switch (view.dtype) {
        case DType::f32: std::copy_n(view.f32().data(), n, out.data()); return;
        case DType::i32: convert.operator()<std::int32_t>(); return;
        case DType::u8:
            if (spec.kind == PayloadKind::spikes) {
                const std::span<const std::uint8_t> codes = view.u8();
                for (std::size_t i = 0; i < n; ++i) out[i] = spike::signed_value(codes[i]);
            } else {
                convert.operator()<std::uint8_t>();
            }
            return;
        case DType::u16: convert.operator()<std::uint16_t>(); return;
        case DType::u64: convert.operator()<std::uint64_t>(); return;
    }
}

namespace {

struct Resolved {
    std::string node, port;
};

// Adds "<prefix><node>.<export>" for every output exported by the composite neurons of `net`.
void collect_exports(const graph::Network& net, const std::string& prefix, const graph::TemplateRegistry& templates,
                     const Registry& registry, std::map<std::string, Resolved>& names, int depth) {
    if (depth > 16) return;
    for (const auto& node : net.nodes) {
        if (registry.find(node.type)) continue;
        const graph::NeuronTemplate* t = templates.find(node.type);
        if (!t) continue;
        // Inner nodes may have been re-typed by the node's config ("soma.type"); paths do not change.
        const std::string path = prefix + node.name;
        std::map<std::string, Resolved> inner;
        collect_exports(t->body, path + ".", templates, registry, inner, depth + 1);
        for (const auto& out : t->body.outputs) {
            const std::string leaf = path + "." + out.from.node + "." + out.from.port;
            auto it = inner.find(leaf);
            names[path + "." + out.name] = it != inner.end() ? it->second
                                                             : Resolved{path + "." + out.from.node, out.from.port};
        }
        names.insert(inner.begin(), inner.end());
    }
}

std::map<std::string, Resolved> all_names(const graph::Simulation& sim, const graph::Network& network,
                                          const graph::TemplateRegistry& templates, const Registry& registry) {
    std::map<std::string, Resolved> names;
    collect_exports(network, "", templates, registry, names, 0);
    for (const auto& node : sim.nodes()) {
        for (const auto& p : node.outputs) names[node.path + "." + p.name] = {node.path, p.name};
        for (const auto& p : node.properties) names[node.path + "." + p.name] = {node.path, p.name};
    }
    return names;
}

}  // namespace

std::vector<std::string> traceable_names(const graph::Simulation& sim, const graph::Network& network,
                                         const graph::TemplateRegistry& templates, const Registry& registry) {
    std::vector<std::string> out;
    for (const auto& [name, _] : all_names(sim, network, templates, registry)) out.push_back(name);
    return out;
}

TraceTarget resolve_trace(const graph::Simulation& sim, const graph::Network& network,
                          const graph::TemplateRegistry& templates, const Registry& registry, std::string_view text) {
    const auto names = all_names(sim, network, templates, registry);
    auto it = names.find(std::string(text));
    if (it == names.end()) {
        std::vector<std::string> candidates;
        for (const auto& [name, _] : names) candidates.push_back(name);
        std::string msg = "--record '" + std::string(text) + "': ";
        if (text.find('.') == std::string_view::npos) msg += "expected NODE.PORT";
        else msg += "no node output or property of that name";
        throw GraphError(msg + " (did you mean " + join(closest_names(text, candidates)) + "?)");
    }
    TraceTarget t;
    t.label = std::string(text);
    t.node = it->second.node;
    t.port = it->second.port;
    t.spec = sim.spec(t.node, t.port);
    return t;
}

TraceRecorder::TraceRecorder(TraceTarget target, const std::filesystem::path& dir, bool header,
                             graph::ProcessGroup* processes)
    : target_(std::move(target)),
      csv_(dir / (target_.label + ".csv")),
      npy_(dir / (target_.label + ".npy"), target_.spec.size()),
      row_(target_.spec.size()),
      processes_(processes) {
    if (header) {
        const std::string port = target_.label.substr(target_.label.rfind('.') + 1);
        std::string line = "step,time_ms";
        for (std::size_t i = 0; i < row_.size(); ++i) line += ',' + port + '[' + std::to_string(i) + ']';
        csv_.write(line + '\n');
        csv_.flush();
    }
}

void TraceRecorder::write_row(std::int64_t step, double dt) {
    npy_.append(row_);
    append_int(line_, step);
    line_ += ',';
    line_ += format_time(step, dt);
    for (float v : row_) {
        line_ += ',';
        append_float(line_, v);
    }
    line_ += '\n';
    if (line_.size() > flush_size) write_lines(csv_, line_);
}

void TraceRecorder::record(const graph::Simulation& sim) {
    if (processes_) {
        const auto& nodes = sim.nodes();
        const auto node = std::find_if(nodes.begin(), nodes.end(), [&](const auto& n) { return n.path == target_.node; });
        const bool output = node != nodes.end() && std::any_of(node->outputs.begin(), node->outputs.end(),
                                                               [&](const auto& o) { return o.name == target_.port; });
        if (output) return record_own(sim);
    }
    to_float(target_.spec, sim.read(target_.node, target_.port), row_);
    write_row(sim.step_count() - 1, sim.dt());
}

void TraceRecorder::record_own(const graph::Simulation& sim) {
    dt_ = sim.dt();
    const graph::Simulation::OwnPart own = sim.read_own(target_.node, target_.port);
    own_ = {own.begin, own.end};
    held_steps_.push_back(sim.step_count() - 1);
    const std::size_t at = held_.size();
    held_.resize(at + (own.end - own.begin));
    const std::size_t element = size_of(own.value.dtype);
    const ConstArrayRef part(static_cast<const std::byte*>(own.value.data) + own.begin * element, own.end - own.begin,
                             own.value.dtype);
    to_float(target_.spec, part, std::span<float>(held_).subspan(at));
    if (held_steps_.size() == SpikeRecorder::merge_steps) merge();
}

void TraceRecorder::merge() {
    // This process's part: its first and last element, then its values of every held step.
    std::vector<std::byte> mine(2 * sizeof(std::uint64_t));
    const std::uint64_t range[2] = {own_.begin, own_.end};
    std::memcpy(mine.data(), range, sizeof range);
    const auto values = std::as_bytes(std::span<const float>(held_));
    mine.insert(mine.end(), values.begin(), values.end());
    std::vector<std::byte> all;
    std::vector<std::size_t> bytes;
    processes_->gather(mine, all, bytes, 0);
    held_.clear();
    const std::vector<std::int64_t> steps = std::move(held_steps_);
    held_steps_.clear();
    if (processes_->rank() != 0) return;
    std::size_t at = 0;
    std::vector<std::pair<std::size_t, UnitShare>> parts;  // per process: where its values begin, its elements
    for (const std::size_t b : bytes) {
        std::uint64_t r[2] = {0, 0};
        if (b >= sizeof r) std::memcpy(r, all.data() + at, sizeof r);
        const std::size_t count = static_cast<std::size_t>(r[1] - r[0]);
        if (b != sizeof r + steps.size() * count * sizeof(float) || r[1] > row_.size() || r[0] > r[1])
            throw InternalError("trace recording " + target_.label + ": a process's part of the merge does not fit");
        parts.emplace_back(at + sizeof r, UnitShare{static_cast<std::size_t>(r[0]), static_cast<std::size_t>(r[1])});
        at += b;
    }
    for (std::size_t k = 0; k < steps.size(); ++k) {
        for (const auto& [first, elements] : parts) {
            const std::size_t count = elements.end - elements.begin;
            if (count != 0)
                std::memcpy(row_.data() + elements.begin, all.data() + first + k * count * sizeof(float),
                            count * sizeof(float));
        }
        write_row(steps[k], dt_);
    }
}

void TraceRecorder::close() {
    if (processes_ && !held_steps_.empty()) merge();
    write_lines(csv_, line_);
    csv_.close();
    npy_.close();
}

}  // namespace spark::tools
