// The memory floor of delivering spikes in flight on this machine (issue 21, the microcircuit's RTF).
//
// A synthetic stand-in for SynapseMatrix's delivery with per-synapse delays: `visits` cursors at scattered
// places of a record array as large as the microcircuit's (2.1 GB, on huge pages) each read `records`
// byte-packed records per step (weight f32 + target u16 [+ delay u8]), add the weight into one of 65 536
// targets and move on, as a spike in flight reads its synapses of one delay; a 40th of the cursors jump to
// a new place every step (spikes whose segment is done; new spikes). The defaults are the full-scale
// microcircuit's counts (1 s: 5.75e7 visits, 1.03e9 records, ~18 per visit). Nothing here checks delays,
// compacts a list or switches between synapse groups, so the real delivery cannot be faster than this:
// ns per record x records per biological second is a floor of its time per biological second.
//
// Usage: delivery_floor [--record-bytes 7] [--records-per-visit 18] [--visits-per-step 5755]
//                       [--steps 10000] [--records-per-bio-second 1.027e9] [--repeats 3]
// Prints one JSON line per prefetch scheme and repeat: none, the delivery's (3 lines, 8 visits ahead),
// and the whole visit 8 or 16 visits ahead.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <spark/core/huge_pages.hpp>

namespace {

struct Params {
    std::size_t record_bytes = 7, records_per_visit = 18, visits_per_step = 5755, steps = 10000, repeats = 3;
    double records_per_bio_second = 1.027e9;
};

struct Prefetch {
    const char* name;
    std::size_t lines;  // 0: none; SIZE_MAX: the whole visit
    std::size_t ahead;  // visits
};

constexpr std::size_t kWholeVisit = SIZE_MAX;
constexpr std::size_t kSegmentVisits = 40;  // steps a cursor lives

// Seconds of `steps` steps of reads, with `prefetch`.
double run(const Params& p, const spark::LargeArray<std::byte>& mem, Prefetch prefetch, std::mt19937_64& rng,
           float& checksum) {
    const std::size_t visit_bytes = p.records_per_visit * p.record_bytes;
    const std::size_t segment_bytes = visit_bytes * kSegmentVisits;
    const std::size_t places = mem.size() - 2 * segment_bytes;
    const std::size_t lines = prefetch.lines == kWholeVisit ? (visit_bytes + 127) / 64 : prefetch.lines;
    std::vector<std::size_t> cursor(p.visits_per_step);
    for (auto& c : cursor) c = rng() % places;
    std::vector<float> x(65536, 0.0f);
    const std::byte* base = mem.data();
    const auto start = std::chrono::steady_clock::now();
    for (std::size_t s = 0; s < p.steps; ++s) {
        for (std::size_t v = s % kSegmentVisits; v < cursor.size(); v += kSegmentVisits) cursor[v] = rng() % places;
        for (std::size_t v = 0; v < cursor.size(); ++v) {
            if (v + prefetch.ahead < cursor.size())
                for (std::size_t l = 0; l < lines; ++l) __builtin_prefetch(base + cursor[v + prefetch.ahead] + 64 * l);
            const std::byte* r = base + cursor[v];
            for (std::size_t k = 0; k < p.records_per_visit; ++k, r += p.record_bytes) {
                float w;
                std::uint16_t target;
                std::memcpy(&w, r, sizeof w);
                std::memcpy(&target, r + sizeof w, sizeof target);
                x[target] += w;
            }
            cursor[v] += visit_bytes;
        }
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    for (const float f : x) checksum += f;
    return seconds;
}

Params parse(int argc, char** argv) {
    Params p;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string flag = argv[i];
        const double value = std::atof(argv[i + 1]);
        if (flag == "--record-bytes") p.record_bytes = static_cast<std::size_t>(value);
        else if (flag == "--records-per-visit") p.records_per_visit = static_cast<std::size_t>(value);
        else if (flag == "--visits-per-step") p.visits_per_step = static_cast<std::size_t>(value);
        else if (flag == "--steps") p.steps = static_cast<std::size_t>(value);
        else if (flag == "--records-per-bio-second") p.records_per_bio_second = value;
        else if (flag == "--repeats") p.repeats = static_cast<std::size_t>(value);
        else {
            std::fprintf(stderr, "delivery_floor: unknown flag %s\n", flag.c_str());
            std::exit(2);
        }
    }
    if (p.record_bytes < 6 || p.records_per_visit == 0 || p.visits_per_step == 0 || p.steps == 0) {
        std::fprintf(stderr, "delivery_floor: record bytes >= 6, and visits, records and steps > 0\n");
        std::exit(2);
    }
    return p;
}

}  // namespace

int main(int argc, char** argv) {
    const Params p = parse(argc, argv);
    // As large as the microcircuit's records (2.99e8 synapses x 7 bytes): none of it stays cached.
    spark::LargeArray<std::byte> mem(std::size_t{2100} << 20);
    std::mt19937_64 rng(1);
    for (std::size_t i = 0; i + 8 <= mem.size(); i += 8) {
        const std::uint64_t word = rng() & 0x3fffffff3fffffffULL;  // finite floats
        std::memcpy(mem.data() + i, &word, sizeof word);
    }
    const Prefetch schemes[] = {{"none", 0, 8}, {"delivery (3 lines, 8 ahead)", 3, 8},
                                {"whole visit, 8 ahead", kWholeVisit, 8}, {"whole visit, 16 ahead", kWholeVisit, 16}};
    float checksum = 0.0f;
    for (std::size_t r = 0; r < p.repeats; ++r)
        for (const Prefetch& scheme : schemes) {
            const double seconds = run(p, mem, scheme, rng, checksum);
            const double ns = seconds * 1e9 / static_cast<double>(p.steps * p.visits_per_step * p.records_per_visit);
            std::printf("{\"tool\": \"delivery-floor\", \"prefetch\": \"%s\", \"record_bytes\": %zu, "
                        "\"records_per_visit\": %zu, \"visits_per_step\": %zu, \"ns_per_record\": %.3f, "
                        "\"floor_s_per_bio_s\": %.3f}\n",
                        scheme.name, p.record_bytes, p.records_per_visit, p.visits_per_step, ns,
                        ns * 1e-9 * p.records_per_bio_second);
            std::fflush(stdout);
        }
    volatile float sink = checksum;  // keeps the sums live
    (void)sink;
}
