// Value, the untyped configuration tree (value.hpp).
#include <catch2/catch.hpp>

#include <string_view>

#include <spark/core/value.hpp>

using namespace spark;

TEST_CASE("Value holds null, bool, number, string, list and map", "[core][value]") {
    CHECK(Value().is_null());
    CHECK(Value(true).is_bool());
    CHECK(Value(true).as_bool());
    CHECK(Value(2.5).as_number() == 2.5);
    CHECK(Value(3).as_number() == 3.0);  // every integer type is a number
    CHECK(Value(3u).as_number() == 3.0);
    CHECK(Value(std::size_t{7}).as_number() == 7.0);
    CHECK(Value(-4LL).as_number() == -4.0);
    CHECK(Value(1.5f).as_number() == 1.5);
    CHECK(Value("text").as_string() == "text");  // a string literal is a string, not a bool
    CHECK(Value(std::string("s")).is_string());
    CHECK(Value(std::string_view("sv")).as_string() == "sv");
    CHECK(Value(Value::List{1, 2}).as_list().size() == 2);
    CHECK(Value(Value::Map{{"a", 1}}).is_map());
    CHECK_FALSE(Value(1).is_string());
}

TEST_CASE("a map keeps its written order and finds and sets entries", "[core][value]") {
    Value v;
    v.set("tau", 20.0);  // a null value becomes a map
    v.set("rest", -60.0);
    v.set("tau", 10.0);  // replaces in place
    REQUIRE(v.is_map());
    REQUIRE(v.as_map().size() == 2);
    CHECK(v.as_map()[0].first == "tau");
    CHECK(v.find("tau")->as_number() == 10.0);
    CHECK(v.find("missing") == nullptr);
    CHECK(Value(1.0).find("tau") == nullptr);  // not a map: nothing to find
}

TEST_CASE("to_string is compact and readable", "[core][value]") {
    CHECK(Value().to_string() == "null");
    CHECK(Value(false).to_string() == "false");
    CHECK(Value(-5.0).to_string() == "-5");
    CHECK(Value(0.25).to_string() == "0.25");
    CHECK(Value("uniform").to_string() == "\"uniform\"");
    CHECK(Value(Value::List{1, 2.5, "x"}).to_string() == "[1, 2.5, \"x\"]");
    CHECK(Value(Value::Map{{"scale", 2}, {"kind", "uniform"}}).to_string() == "{scale: 2, kind: \"uniform\"}");
    CHECK(Value(Value::List{}).to_string() == "[]");
    // Long lists are cut after 8 entries.
    Value::List many;
    for (int i = 0; i < 20; ++i) many.emplace_back(i);
    CHECK(Value(many).to_string() == "[0, 1, 2, 3, 4, 5, 6, 7, ... (20 values)]");
    Value::List ten(many.begin(), many.begin() + 10);
    CHECK(Value(ten).to_string() == "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]");
}

TEST_CASE("Value equality compares kind and content", "[core][value]") {
    CHECK(Value(1) == Value(1.0));
    CHECK_FALSE(Value(1) == Value(true));
    CHECK_FALSE(Value("1") == Value(1));
    CHECK(Value(Value::List{1, 2}) == Value(Value::List{1, 2}));
    CHECK_FALSE(Value(Value::List{1, 2}) == Value(Value::List{2, 1}));
    CHECK_FALSE(Value(Value::Map{{"a", 1}, {"b", 2}}) == Value(Value::Map{{"b", 2}, {"a", 1}}));  // order matters
}
