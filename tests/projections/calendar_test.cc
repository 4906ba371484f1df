// Placeholder until its owner writes it (issue 5).
#include <catch2/catch.hpp>
