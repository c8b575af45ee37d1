#include <catch2/catch.hpp>

#include <array>
#include <vector>

#include <spark/components/delays/delay_line.hpp>

using namespace spark;
using namespace spark::components::delays;

namespace {
const ConfigWhere kWhere{"NDelays", "d"};
}

TEST_CASE("delay_steps is ceil(max_delay / dt) without binary rounding artefacts", "[delays]") {
    CHECK(delay_steps(8.0, 1.0, kWhere, "max_delay") == 8);
    CHECK(delay_steps(8.5, 1.0, kWhere, "max_delay") == 9);
    CHECK(delay_steps(4.0, 0.5, kWhere, "max_delay") == 8);
    CHECK(delay_steps(0.7, 0.1, kWhere, "max_delay") == 7);  // 0.7 / 0.1 = 7.000000000000001
    CHECK(delay_steps(0.3, 0.1, kWhere, "max_delay") == 3);
    CHECK(delay_steps(0.05, 1.0, kWhere, "max_delay") == 1);
    REQUIRE_THROWS_AS(delay_steps(10000.0, 0.1, kWhere, "max_delay"), ConfigError);
    REQUIRE_THROWS_WITH(delay_steps(10000.0, 0.1, kWhere, "max_delay"),
                        Catch::Contains("NDelays 'd': max_delay = 10000 ms must be at most 65535 steps"));
}

TEST_CASE("drawn delays truncate into 1..B, raw delays must be whole steps in 1..B", "[delays]") {
    const std::vector<float> drawn{1.0f, 1.99f, 2.0f, 8.999f, 9.0f, 0.5f};
    CHECK(to_delay_steps(drawn, true, 8, kWhere, "delays") == std::vector<std::int32_t>{1, 1, 2, 8, 8, 1});
    CHECK(to_delay_steps(std::vector<float>{1, 4, 8}, false, 8, kWhere, "delays") == std::vector<std::int32_t>{1, 4, 8});
    REQUIRE_THROWS_AS(to_delay_steps(std::vector<float>{1, 9}, false, 8, kWhere, "delays"), ConfigError);
    REQUIRE_THROWS_WITH(to_delay_steps(std::vector<float>{1, 9}, false, 8, kWhere, "delays"),
                        Catch::Contains("delays[1] = 9 steps must be a whole number of steps in 1..8"));
    REQUIRE_THROWS_WITH(to_delay_steps(std::vector<float>{2.5f}, false, 8, kWhere, "delays"),
                        Catch::Contains("delays[0] = 2.5 steps must be a whole number of steps in 1..8"));
}

TEST_CASE("SpikeDelayLine keeps every unit's spike and inhibition bit in whole and partial bytes", "[delays]") {
    // 29 units: three whole bytes (packed eight codes at a time) and a partial one. Codes cycle through
    // silent, silent inhibitory, spike and inhibitory spike with a period coprime to 8.
    constexpr std::size_t N = 29, B = 3;
    SpikeDelayLine line(N, B);
    const std::array<std::uint8_t, 4> kinds{0, spike::inhibitory, spike::bit, spike::bit | spike::inhibitory};
    std::vector<std::vector<std::uint8_t>> pushed;
    for (std::size_t t = 0; t < 6; ++t) {
        std::vector<std::uint8_t> codes(N);
        for (std::size_t j = 0; j < N; ++j) codes[j] = kinds[(j * 3 + t * 5 + j / 7) % kinds.size()];
        for (std::size_t d = 1; d <= B && d <= t; ++d) {
            const auto& then = pushed[t - d];
            std::vector<std::size_t> listed;
            line.for_each_delayed(d, [&](std::size_t j, std::uint8_t code) {
                listed.push_back(j);
                REQUIRE(code == then[j]);
            });
            std::vector<std::size_t> spiked;
            for (std::size_t j = 0; j < N; ++j) {
                if (then[j] & spike::bit) spiked.push_back(j);
                const std::uint8_t silent = codes[j] & spike::inhibitory;
                REQUIRE(line.delayed(j, d, codes[j]) == ((then[j] & spike::bit) ? then[j] : silent));
            }
            REQUIRE(listed == spiked);
        }
        line.push(codes.data());
        pushed.push_back(codes);
    }
}

TEST_CASE("SpikeDelayLine returns the code of d steps ago for every d in 1..B", "[delays]") {
    constexpr std::size_t B = 5;
    SpikeDelayLine line(11, B);  // 11 units: the second byte is partly padding
    std::vector<std::uint8_t> codes(11, 0);
    // Step t: unit t spikes (excitatory when t is even, inhibitory when odd); unit 10 is silent inhibitory.
    for (std::size_t t = 0; t < 10; ++t) {
        std::fill(codes.begin(), codes.end(), 0);
        codes[10] = spike::inhibitory;
        for (std::size_t d = 1; d <= B; ++d) {
            for (std::size_t j = 0; j < 10; ++j) {
                const bool spiked = t >= d && j == t - d;
                const std::uint8_t expected = spiked ? spike::encode(true, j % 2 == 1) : 0;
                REQUIRE(line.delayed(j, d, codes[j]) == expected);
            }
            REQUIRE(line.delayed(10, d, codes[10]) == spike::inhibitory);  // silent: the current sign bit
        }
        codes[t] = spike::encode(true, t % 2 == 1);
        line.push(codes.data());
    }
    line.reset();
    for (std::size_t d = 1; d <= B; ++d)
        for (std::size_t j = 0; j < 10; ++j) CHECK(line.delayed(j, d, 0) == 0);
}
