// cartpole: Spark's CartPole tutorial in closed loop. The brain is imported from Spark's own
// ab_brain.scfg; the cart-pole is gymnasium's CartPole-v1 (cartpole_env.hpp); the loop, the observation
// scaling and the reward shaping are the tutorial's (spark-reference.md section 12.6):
//
//   per episode: one warm-up block (signal 0, modulation 0), then per environment step one block of
//   50 network steps with the scaled observation held on `signal` and the passive modulation
//   -0.0001 * scale on mod_a_ex / mod_b_ex (0.25 x that on mod_a_in / mod_b_in); action = argmax of
//   the integrator's two outputs after the block. When the episode terminates (not truncated), one
//   more block on the last observation punishes the side that should not have acted (-25 * scale)
//   and rewards the other (+2.5 * scale), the modulations decaying by exp(-dt / 0.5 ms) each step.
//   scale = sqrt(1 - EMA / 500), EMA of the episode lengths (alpha 0.8), lagged as in the tutorial.
//
//   cartpole [--brain ab_brain.scfg] [--episodes 200] [--seed S] [--env-seed 42] [--csv FILE]
//            [--save SNAPSHOT [--save-every N]] [--resume SNAPSHOT] [--threads T]
//
// --save writes a spark snapshot of the network (every state array, kernels included) and beside it
// SNAPSHOT.run (the episode counter, the EMA, the environment's random stream, the rows so far);
// --resume continues such a run, bit for bit, up to --episodes episodes in all.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <spark/serialization/model_file.hpp>
#include <spark/serialization/snapshot.hpp>

#include "cartpole_env.hpp"

using namespace spark;

namespace {

// The tutorial's constants.
constexpr int kBlockSteps = 50;                           // network steps per environment step (dt = 1 ms)
constexpr double kPassiveModulation = -0.0001;
constexpr double kFallReward = -25, kOutOfBoundsReward = -25;
constexpr double kOutOfBoundsAngle = 0.05;                // |scaled angle| below which leaving the track counts
constexpr double kOtherSideFactor = -0.1;                 // the other side gets -0.1 x the punishment
constexpr double kInhibitoryFactor = 0.25;                // mod_*_in = 0.25 x mod_*_ex
constexpr double kRewardDecayTau = 0.5;                   // [ms] decay of the modulations in the reward block
constexpr double kEmaAlpha = 0.8;
constexpr std::array<double, 4> kObservationScale{2.4, 2.5, 0.2095, 3.5};
const char* const kPopulations[] = {"A_excitatory", "B_excitatory", "A_inhibitory", "B_inhibitory"};

struct Options {
    std::string brain = CARTPOLE_DEFAULT_BRAIN;
    int episodes = 200;
    std::optional<std::uint64_t> seed;
    std::uint64_t env_seed = 42;
    std::string csv = "cartpole_episodes.csv";
    std::string save, resume;
    int save_every = 10;
    unsigned threads = 1;
};

Options parse(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto next = [&]() -> std::string {
            if (i + 1 >= argc) throw std::runtime_error(a + " needs a value");
            return argv[++i];
        };
        if (a == "--brain") o.brain = next();
        else if (a == "--episodes") o.episodes = std::stoi(next());
        else if (a == "--seed") o.seed = std::stoull(next());
        else if (a == "--env-seed") o.env_seed = std::stoull(next());
        else if (a == "--csv") o.csv = next();
        else if (a == "--save") o.save = next();
        else if (a == "--save-every") o.save_every = std::stoi(next());
        else if (a == "--resume") o.resume = next();
        else if (a == "--threads") o.threads = static_cast<unsigned>(std::stoul(next()));
        else throw std::runtime_error("unknown option " + a + " (see the comment at the top of main.cpp)");
    }
    if (o.episodes < 1 || o.save_every < 1) throw std::runtime_error("--episodes and --save-every must be >= 1");
    return o;
}

// The learning run's own state beside the network's (which the snapshot holds).
struct RunState {
    int episode = 0;
    double ema = 0, lagged_ema = 0;  // the tutorial's scale reads the EMA of two episodes back
    std::mt19937_64 env_rng;
    std::vector<std::string> rows;   // the CSV rows so far
};

void save_run(const RunState& r, const std::string& path) {
    std::ofstream out(path + ".tmp");
    out << "episode " << r.episode << "\n" << std::hexfloat << "ema " << r.ema << "\nlagged_ema " << r.lagged_ema
        << "\nenv_rng " << r.env_rng << "\n";
    for (const auto& row : r.rows) out << "row " << row << "\n";
    out.close();
    if (!out) throw std::runtime_error("cannot write " + path);
    std::filesystem::rename(path + ".tmp", path);
}

RunState load_run(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot read " + path + " (written by --save beside the snapshot)");
    RunState r;
    std::string key, line;
    while (in >> key) {
        if (key == "episode") in >> r.episode;
        else if (key == "ema" || key == "lagged_ema") {
            std::string hex;
            in >> hex;
            (key == "ema" ? r.ema : r.lagged_ema) = std::strtod(hex.c_str(), nullptr);
        } else if (key == "env_rng") in >> r.env_rng;
        else if (key == "row") {
            std::getline(in >> std::ws, line);
            r.rows.push_back(line);
        } else throw std::runtime_error(path + ": unknown entry '" + key + "'");
        if (!in) throw std::runtime_error(path + ": malformed entry '" + key + "'");
    }
    return r;
}

// The tutorial's observation: divided by (2.4, 2.5, 0.2095, 3.5) and clipped to [-1, 1].
std::array<float, 4> observe(const cartpole::CartPole::State& s) {
    std::array<float, 4> o{};
    for (std::size_t i = 0; i < 4; ++i)
        o[i] = static_cast<float>(std::clamp(s[i] / kObservationScale[i], -1.0, 1.0));
    return o;
}

struct Modulation {
    double a = 0, b = 0;  // excitatory values; the inhibitory populations get kInhibitoryFactor times them
};

// One block: the signal held, the modulations times decay^k at step k. Returns the action (argmax of
// the integrator's outputs after the block; ties choose 0 as numpy's argmax does).
int run_block(graph::Simulation& sim, const std::array<float, 4>& signal, Modulation m, double decay) {
    std::copy(signal.begin(), signal.end(), sim.input("signal").f32().begin());
    for (int k = 0; k < kBlockSteps; ++k) {
        const float factor = static_cast<float>(std::pow(decay, k));
        sim.input("mod_a_ex").f32()[0] = static_cast<float>(m.a) * factor;
        sim.input("mod_b_ex").f32()[0] = static_cast<float>(m.b) * factor;
        sim.input("mod_a_in").f32()[0] = static_cast<float>(m.a * kInhibitoryFactor) * factor;
        sim.input("mod_b_in").f32()[0] = static_cast<float>(m.b * kInhibitoryFactor) * factor;
        sim.step();
    }
    const auto action = sim.output("action").f32();
    return action[1] > action[0] ? 1 : 0;
}

// The punishment block's modulations after a terminated episode (the tutorial's critic-like rule).
std::pair<Modulation, const char*> punishment(const std::array<float, 4>& obs, double scale) {
    const bool out_of_bounds = std::abs(obs[0]) >= 1;
    bool steer_to_b = false;
    double reward = 0;
    const char* cause = "fall";
    if (out_of_bounds && std::abs(obs[2]) < kOutOfBoundsAngle) {
        steer_to_b = obs[0] < 0;  // the cart left the track: push it back towards the centre
        reward = kOutOfBoundsReward * scale;
        cause = "out_of_bounds";
    } else {
        steer_to_b = obs[2] > 0;  // the pole fell: the cart should have moved towards that side
        reward = kFallReward * scale;
    }
    Modulation m;
    m.a = steer_to_b ? reward : kOtherSideFactor * reward;
    m.b = steer_to_b ? kOtherSideFactor * reward : reward;
    return {m, cause};
}

struct Episode {
    int length = 0;
    std::string end;  // fall, out_of_bounds or truncated
};

Episode run_episode(graph::Simulation& sim, cartpole::CartPole& env, RunState& run, double dt) {
    const double scale = std::sqrt(1 - run.lagged_ema / cartpole::CartPole::max_steps);
    std::array<float, 4> obs = observe(env.reset(run.env_rng));
    run_block(sim, {}, {}, 0.0);  // warm-up
    Episode e;
    std::array<float, 4> previous{};
    cartpole::StepResult r;
    const Modulation passive{kPassiveModulation * scale, kPassiveModulation * scale};
    while (!r.terminated && !r.truncated) {
        const int action = run_block(sim, obs, passive, 1.0);
        previous = obs;
        r = env.step(action);
        obs = observe(env.state());
        ++e.length;
    }
    if (r.truncated) {
        e.end = "truncated";
        return e;
    }
    const auto [m, cause] = punishment(obs, scale);
    e.end = cause;
    run_block(sim, previous, m, std::exp(-dt / kRewardDecayTau));
    return e;
}

std::vector<float> kernels(const graph::Simulation& sim) {
    std::vector<float> k;
    for (const char* pop : kPopulations) {
        const auto v = sim.read(std::string(pop) + ".synapses", "kernel").f32();
        k.insert(k.end(), v.begin(), v.end());
    }
    return k;
}

graph::Simulation start(const Options& o, RunState& run) {
    graph::BuildOptions build;
    if (o.threads != 1) {
        build.executor = graph::ExecutorKind::pool;
        build.threads = o.threads;
    }
    if (!o.resume.empty()) {
        run = load_run(o.resume + ".run");
        std::cout << "resuming " << o.resume << " after episode " << run.episode << "\n";
        return serialization::restore_simulation(o.resume, build);
    }
    serialization::ImportOptions import;
    import.input_specs["signal"] = PortSpec(PayloadKind::floating, {4});
    import.input_specs["*"] = PortSpec(PayloadKind::floating, {1});  // the four modulation inputs
    serialization::NetworkFile brain = serialization::load_model_file(o.brain, import);
    std::cout << o.brain << ": imported with " << brain.warnings.size() << " warnings (spark import lists them)\n";
    if (o.seed) brain.network.seed = *o.seed;
    run.env_rng.seed(o.env_seed);
    return serialization::build_simulation(brain, build);
}

void write_csv(const RunState& run, const std::string& path) {
    std::ofstream out(path);
    out << "episode,length,end,ema,wall_s\n";
    for (const auto& row : run.rows) out << row << "\n";
    if (!out) throw std::runtime_error("cannot write " + path);
}

// A gnuplot script beside the CSV that draws the learning curve: `gnuplot FILE.gp` writes FILE.png.
void write_plot_script(const std::string& csv) {
    std::ofstream out(csv + ".gp");
    out << "set datafile separator ','\nset terminal pngcairo size 900,500\nset output '" << csv << ".png'\n"
        << "set xlabel 'episode'\nset ylabel 'steps balanced'\nset yrange [0:520]\nset key top left\n"
        << "plot '" << csv << "' using 1:2 every ::1 with points pt 7 ps 0.6 title 'episode length', \\\n"
        << "     '' using 1:4 every ::1 with lines lw 2 title 'EMA (0.8)', 500 with lines dt 2 title 'cap'\n";
}

}  // namespace

int main(int argc, char** argv) try {
    const Options o = parse(argc, argv);
    RunState run;
    graph::Simulation sim = start(o, run);
    const std::vector<float> kernels_before = kernels(sim);
    cartpole::CartPole env;
    using Clock = std::chrono::steady_clock;
    const auto t0 = Clock::now();
    int capped = 0, first_capped = -1;
    for (int done = 0; run.episode < o.episodes; ++done) {
        const auto start_episode = Clock::now();
        const Episode e = run_episode(sim, env, run, sim.dt());
        const double wall = std::chrono::duration<double>(Clock::now() - start_episode).count();
        run.lagged_ema = run.ema;
        run.ema = kEmaAlpha * run.ema + (1 - kEmaAlpha) * e.length;
        ++run.episode;
        if (e.length >= cartpole::CartPole::max_steps && capped++ == 0) first_capped = run.episode;
        std::ostringstream row;
        row << run.episode << "," << e.length << "," << e.end << "," << run.ema << "," << wall;
        run.rows.push_back(row.str());
        const double total = std::chrono::duration<double>(Clock::now() - t0).count();
        std::printf("episode %4d  length %3d  (%s)  EMA %6.1f  | %d/%d, %.1f s/episode, %d at the cap, ETA %.0f s\n",
                    run.episode, e.length, e.end.c_str(), run.ema, run.episode, o.episodes, wall, capped,
                    total / (done + 1) * (o.episodes - run.episode));
        std::fflush(stdout);
        write_csv(run, o.csv);
        if (!o.save.empty() && (run.episode % o.save_every == 0 || run.episode == o.episodes)) {
            serialization::save_snapshot(sim, o.save);
            save_run(run, o.save + ".run");
        }
    }
    write_plot_script(o.csv);
    const std::vector<float> kernels_after = kernels(sim);
    double change = 0;
    for (std::size_t i = 0; i < kernels_after.size(); ++i) change += std::abs(kernels_after[i] - kernels_before[i]);
    const double total = std::chrono::duration<double>(Clock::now() - t0).count();
    std::printf("%d episodes in %.1f s (%d reached the 500-step cap this run%s); wrote %s\n", run.episode, total,
                capped, first_capped > 0 ? (", first at episode " + std::to_string(first_capped)).c_str() : "",
                o.csv.c_str());
    double sum = 0;
    for (float k : kernels_after) sum += k;
    std::printf("kernel checksum %a\n", sum);
    if (change > 0)
        std::printf("learning changed the kernels: sum |dK| = %.6g over %zu synapses\n", change, kernels_after.size());
    else
        std::printf("learning did not change the kernels\n");
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "cartpole: %s\n", e.what());
    return 1;
}
