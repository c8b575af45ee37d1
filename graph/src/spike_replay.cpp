// SpikeReplay (processes.hpp): the spikes of a run, for a dry run to replay as the other ranks'.
#include <cstring>
#include <fstream>
#include <iterator>

#include <spark/core/error.hpp>
#include <spark/core/file_io.hpp>
#include <spark/graph/processes.hpp>
#include <spark/graph/simulation.hpp>

namespace spark::graph {

namespace {

constexpr std::string_view magic = "spark spike replay 1\n";

std::string key(std::string_view node, std::string_view output) {
    return std::string(node) + ":" + std::string(output);
}

template <class T>
void put(std::string& out, const T& value) {
    out.append(reinterpret_cast<const char*>(&value), sizeof value);
}

// Reads a file written by SpikeReplay::save, naming it in every error.
class Reader {
public:
    Reader(std::string bytes, const std::string& path) : bytes_(std::move(bytes)), path_(path) {}
    template <class T>
    T get(std::string_view what) {
        T value{};
        need(sizeof value, what);
        std::memcpy(&value, bytes_.data() + at_, sizeof value);
        at_ += sizeof value;
        return value;
    }
    template <class T>
    std::vector<T> array(std::string_view what) {
        const auto count = get<std::uint64_t>(what);
        if (count > (bytes_.size() - at_) / sizeof(T)) fail(std::string(what) + " is cut short");
        std::vector<T> values(count);
        std::memcpy(values.data(), bytes_.data() + at_, count * sizeof(T));
        at_ += count * sizeof(T);
        return values;
    }
    std::string text(std::string_view what) {
        const auto chars = array<char>(what);
        return {chars.begin(), chars.end()};
    }
    bool done() const noexcept { return at_ == bytes_.size(); }
    [[noreturn]] void fail(const std::string& why) const {
        throw Error("spike recording " + path_ + ": " + why + " (at byte " + std::to_string(at_) + ")");
    }

private:
    void need(std::size_t bytes, std::string_view what) const {
        if (bytes_.size() - at_ < bytes) fail(std::string(what) + " is cut short");
    }
    std::string bytes_;
    std::string path_;
    std::size_t at_ = 0;
};

}  // namespace

void SpikeReplay::record(const Simulation& sim) {
    const std::int64_t step = sim.step_count() - 1;
    if (step != steps_)
        throw Error("a spike recording takes every step in order: it holds " + std::to_string(steps_) +
                    " steps, and the simulation has run " + std::to_string(step + 1));
    for (const NodeInfo& node : sim.nodes())
        for (const PortInfo& out : node.outputs) {
            if (out.spec.kind != PayloadKind::spikes || out.spec.per_synapse) continue;
            auto [it, added] = outputs_.try_emplace(key(node.path, out.name));
            Output& o = it->second;
            if (added) o.step_begin.assign(static_cast<std::size_t>(steps_), 0);
            o.step_begin.push_back(o.spikes.size());
            const auto codes = sim.read(node.path, out.name).u8();
            for (std::size_t u = 0; u < codes.size(); ++u)
                if (codes[u] & spike::bit) o.spikes.push_back(static_cast<std::uint32_t>(u << 2 | codes[u]));
        }
    ++steps_;
}

std::span<const std::uint32_t> SpikeReplay::at(std::int64_t step, std::string_view node, std::string_view output) const {
    if (step < 0 || step >= steps_)
        throw Error("a dry run replays step " + std::to_string(step) + " but the spike recording holds " +
                    std::to_string(steps_) + " steps: record at least as many as the dry run runs");
    const auto it = outputs_.find(key(node, output));
    if (it == outputs_.end()) return {};
    const Output& o = it->second;
    const auto s = static_cast<std::size_t>(step);
    const std::size_t end = s + 1 < o.step_begin.size() ? o.step_begin[s + 1] : o.spikes.size();
    return {o.spikes.data() + o.step_begin[s], end - o.step_begin[s]};
}

void SpikeReplay::save(const std::string& path) const {
    std::string out(magic);
    put(out, steps_);
    put(out, static_cast<std::uint64_t>(outputs_.size()));
    auto put_array = [&](const auto& values) {
        put(out, static_cast<std::uint64_t>(values.size()));
        out.append(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(values[0]));
    };
    for (const auto& [name, o] : outputs_) {
        put_array(name);
        put_array(o.spikes);
        put_array(o.step_begin);
    }
    OutputFile file(path);  // FileError naming the file and the OS's reason (a full disk, no directory)
    file.write(out);
    file.close();
}

SpikeReplay SpikeReplay::load(const std::string& path) {
    std::ifstream file(path, std::ios::binary);
    if (!file) throw Error("cannot open the spike recording " + path);
    std::string bytes{std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
    if (bytes.compare(0, magic.size(), magic) != 0)
        throw Error("spike recording " + path + ": not a file of SpikeReplay::save (it does not start with \"" +
                    std::string(magic.substr(0, magic.size() - 1)) + "\")");
    Reader in(bytes.substr(magic.size()), path);
    SpikeReplay replay;
    replay.steps_ = in.get<std::int64_t>("the step count");
    if (replay.steps_ < 0) in.fail("negative step count " + std::to_string(replay.steps_));
    const auto outputs = in.get<std::uint64_t>("the output count");
    for (std::uint64_t i = 0; i < outputs; ++i) {
        std::string name = in.text("an output name");
        Output o{in.array<std::uint32_t>("the spikes of " + name), in.array<std::uint64_t>("the step starts of " + name)};
        bool ordered = o.step_begin.size() == static_cast<std::size_t>(replay.steps_);
        for (std::size_t s = 0; ordered && s < o.step_begin.size(); ++s)
            ordered = o.step_begin[s] <= (s + 1 < o.step_begin.size() ? o.step_begin[s + 1] : o.spikes.size());
        if (!ordered)
            in.fail("the step starts of " + name + " are not " + std::to_string(replay.steps_) +
                    " increasing offsets into its spikes");
        replay.outputs_.emplace(std::move(name), std::move(o));
    }
    if (!in.done()) in.fail("bytes after the last output");
    return replay;
}

}  // namespace spark::graph
