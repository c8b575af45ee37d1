#include <catch2/catch.hpp>

#include <vector>

#include <spark/core/error.hpp>
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

TEST_CASE("a view knows its dtype and refuses to be read as another element type", "[core]") {
    std::vector<std::uint8_t> codes(4, 1);
    std::vector<float> values(3, 2.0f);
    const ArrayRef bytes(codes.data(), codes.size());
    const ConstArrayRef floats(values.data(), values.size());
    CHECK(bytes.dtype == DType::u8);
    CHECK(floats.dtype == DType::f32);
    CHECK(bytes.u8().size() == 4);
    CHECK(floats.f32()[2] == 2.0f);
    CHECK(ConstArrayRef(bytes).dtype == DType::u8);  // a mutable view converts with its dtype

    REQUIRE_THROWS_AS(bytes.f32(), InternalError);
    REQUIRE_THROWS_WITH(bytes.f32(), "a view of u8 elements read as f32");
    REQUIRE_THROWS_WITH(floats.as<std::int32_t>(), "a view of f32 elements read as i32");

    // Runtime buffers are bytes: their dtype is given, and checked the same way.
    std::vector<std::byte> buffer(8);
    const ArrayRef ints(buffer.data(), 2, DType::i32);
    CHECK(ints.i32().size() == 2);
    REQUIRE_THROWS_WITH(ints.u8(), "a view of i32 elements read as u8");
    CHECK(ArrayRef().f32().empty());  // an empty view reads as anything
}
