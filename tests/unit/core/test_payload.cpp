#include <catch2/catch.hpp>

#include <spark/core/payload.hpp>

using namespace spark;

TEST_CASE("PortSpec prints kind, shape and dtype", "[core]") {
    CHECK(PortSpec(PayloadKind::current, {100}).to_string() == "CurrentArray[100]:f32");
    CHECK(PortSpec(PayloadKind::spikes, {4, 5}, true).to_string() == "SpikeArray[4,5]:u8/post*pre");
    CHECK(PortSpec(PayloadKind::integer, {3}).to_string() == "IntegerArray[3]:i32");
}

TEST_CASE("PortSpec equality ignores the build-time mask", "[core]") {
    PortSpec a(PayloadKind::spikes, {3});
    PortSpec b = a;
    b.mask = {0, 1, 0};
    CHECK(a == b);
    CHECK_FALSE(a == PortSpec(PayloadKind::spikes, {3}, true));
    CHECK_FALSE(a == PortSpec(PayloadKind::spikes, {4}));
}

TEST_CASE("spike encoding carries the spike and the inhibition bit", "[core]") {
    CHECK(spike::encode(false, false) == 0);
    CHECK(spike::encode(true, false) == 1);
    CHECK(spike::encode(false, true) == 2);
    CHECK(spike::encode(true, true) == 3);
    CHECK(spike::signed_value(3) == -1.0f);
    CHECK(spike::signed_value(1) == 1.0f);
    CHECK(spike::signed_value(2) == 0.0f);
}
