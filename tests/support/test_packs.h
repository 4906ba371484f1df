// Puts shipped rule packs in force in a test ledger.
#ifndef CASELEDGER_TESTS_SUPPORT_TEST_PACKS_H_
#define CASELEDGER_TESTS_SUPPORT_TEST_PACKS_H_

#include <catch2/catch.hpp>

#include <fstream>
#include <initializer_list>
#include <sstream>
#include <string>
#include <vector>

#include "ledger/ledger.h"
#include "projections/pack_activation.h"
#include "projections/rule_pack.h"
#include "tests/support/test_events.h"

namespace caseledger::testing {

// Activates the shipped packs `files` (e.g. {"eu.toml", "no.toml"}), in force from one day
// before kT0 and recorded then, so every test event falls under them.
inline void ActivateShippedPacks(Ledger& ledger,
                                 std::initializer_list<const char*> files = {"eu.toml",
                                                                             "no.toml"}) {
  for (const char* file : files) {
    const std::string path = compliance::DefaultRulesDir() + "/" + file;
    std::ifstream in(path);
    REQUIRE(in);
    std::stringstream text;
    text << in.rdbuf();
    std::vector<compliance::PackError> errors;
    auto pack = compliance::ParsePack(text.str(), path, &errors);
    REQUIRE(pack.ok());
    auto message = compliance::BuildActivation(*pack, text.str(), kT0 - 86400000000LL, "test",
                                               kT0 - 86400000000LL);
    auto event = message->getRoot<schema::Event>().asReader();
    std::vector<schema::Event::Reader> events{event};
    REQUIRE(ledger.Append(event.getCaseId().cStr(), ExpectedVersion::Any(), events).ok());
  }
}

}  // namespace caseledger::testing

#endif  // CASELEDGER_TESTS_SUPPORT_TEST_PACKS_H_
