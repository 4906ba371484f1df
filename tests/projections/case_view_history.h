// Test helpers for the case view: one case's events built with Cap'n Proto builders, and the
// view read back from the bytes a fold serializes. Header-only; for tests/projections only.
#ifndef CASELEDGER_TESTS_PROJECTIONS_CASE_VIEW_HISTORY_H_
#define CASELEDGER_TESTS_PROJECTIONS_CASE_VIEW_HISTORY_H_

#include <capnp/message.h>
#include <capnp/serialize.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "projections/case_view.h"
#include "schema/case_view.capnp.h"
#include "tests/support/test_events.h"

namespace caseledger::case_view_test {

using testing::kT0;
using testing::TestEvents;
namespace s = schema;

constexpr int64_t kHour = 3600LL * 1000000;
constexpr int64_t kDay = 24 * kHour;
constexpr uint64_t kFirstPosition = 100;  // the case's events start at this global position

// One case's events, built with Cap'n Proto builders: event n has id IdFor(n + 1), stream
// version n, global position 100 + n, and was recorded one minute after it occurred.
class CaseHistory {
 public:
  using Fill = std::function<void(s::Event::Body::Builder)>;

  // Adds an event; returns its id.
  std::string Add(int64_t occurred_at, const Fill& fill, const std::string& supersedes = "") {
    auto msg = std::make_unique<capnp::MallocMessageBuilder>();
    auto ev = msg->initRoot<s::Event>();
    const uint64_t n = events_.size();
    const std::string id = TestEvents::IdFor(n + 1);
    ev.setEventId(Data(id));
    ev.setCaseId("case-77");
    ev.setChildId("child-pseudonym-9");
    ev.setStreamVersion(n);
    ev.setGlobalPosition(kFirstPosition + n);
    ev.setDataClass(s::DataClass::ORDINARY);
    ev.setOccurredAt(occurred_at);
    ev.setRecordedAt(occurred_at + 60 * 1000000LL);
    ev.setJurisdiction(s::Jurisdiction::SE);
    ev.setAgencyId("se-agency-" + std::to_string(n % 3));
    ev.setAgencyRole(s::AgencyRole::CHILD_PROTECTION);
    ev.setActorId("worker-4");
    if (!supersedes.empty()) ev.setSupersedes(Data(supersedes));
    fill(ev.initBody());
    messages_.push_back(std::move(msg));
    events_.push_back(messages_.back()->getRoot<s::Event>().asReader());
    return id;
  }

  // Applies to `fold` every event it has not seen yet (each fold keeps its own place),
  // refolding when it asks; returns how many refolds it asked for.
  int FoldInto(CaseViewFold& fold) {
    int refolds = 0;
    for (size_t i = fold.event_count(); i < events_.size(); ++i) {
      if (fold.Apply(events_[i], kFirstPosition + i).needs_refold) {
        ++refolds;
        REQUIRE(fold.Refold(Scan(i + 1)).ok());
      }
    }
    return refolds;
  }

  // A scan of the first `count` events, as a caller would read them from the ledger.
  CaseViewFold::StreamScan Scan(size_t count) const {
    return [this, count](const CaseViewFold::EventSink& sink) {
      for (size_t i = 0; i < count; ++i) sink(events_[i], kFirstPosition + i);
      return Status::OK();
    };
  }

  size_t size() const { return events_.size(); }
  s::Event::Reader operator[](size_t i) const { return events_[i]; }

 private:
  static capnp::Data::Reader Data(const std::string& s) {
    return capnp::Data::Reader(reinterpret_cast<const uint8_t*>(s.data()), s.size());
  }
  std::vector<std::unique_ptr<capnp::MallocMessageBuilder>> messages_;
  std::vector<s::Event::Reader> events_;
};

// Reads the bytes a fold serializes, so tests check the persisted form itself.
class View {
 public:
  explicit View(const CaseViewFold& fold) {
    const std::string bytes = fold.Serialize();
    REQUIRE(bytes.size() % sizeof(capnp::word) == 0);
    words_ = kj::heapArray<capnp::word>(bytes.size() / sizeof(capnp::word));
    std::memcpy(words_.begin(), bytes.data(), bytes.size());
    segments_[0] = words_.asPtr();
    reader_ = std::make_unique<capnp::SegmentArrayMessageReader>(kj::arrayPtr(segments_, 1));
    root_ = reader_->getRoot<s::CaseView>();
  }
  const s::CaseView::Reader* operator->() const { return &root_; }
  s::CaseView::Reader get() const { return root_; }

 private:
  kj::Array<capnp::word> words_;
  kj::ArrayPtr<const capnp::word> segments_[1];
  std::unique_ptr<capnp::SegmentArrayMessageReader> reader_;
  s::CaseView::Reader root_;
};

inline std::string Str(capnp::Data::Reader d) {
  return std::string(reinterpret_cast<const char*>(d.begin()), d.size());
}

inline void ChildFacts(s::ChildFacts::Builder c, s::Answer unaccompanied, s::Answer parental_conflict) {
  c.setAgeYears(15);
  c.setAgeBasis(s::AgeBasis::CLAIMED);
  c.setUnaccompanied(unaccompanied);
  c.setParentalConflictOfInterest(parental_conflict);
  c.setForeignNational(s::Answer::YES);
  c.setLawfulStay(s::Answer::NO);
}

inline CaseHistory::Fill Presumed(s::Answer unaccompanied, s::Answer parental_conflict = s::Answer::NO) {
  return [=](s::Event::Body::Builder b) {
    auto p = b.initPresumedVictimIdentified();
    p.setGrounds("indicators of labour exploitation");
    p.initExploitationTypes(1).set(0, s::ExploitationType::LABOUR);
    ChildFacts(p.initChild(), unaccompanied, parental_conflict);
  };
}

inline CaseHistory::Fill Guardian(const std::string& id) {
  return [=](s::Event::Body::Builder b) {
    auto g = b.initGuardianAppointed();
    g.setGuardianId(id);
    g.setGuardianType(s::GuardianType::CIVIL_GUARDIAN);
    g.setGround(s::RepresentationGround::UNACCOMPANIED);
  };
}

inline CaseHistory::Fill Placed(const std::string& provider, s::PlacementType type) {
  return [=](s::Event::Body::Builder b) {
    auto p = b.initPlacementStarted();
    p.setPlacementType(type);
    p.setPlacementProviderId(provider);
  };
}

inline CaseHistory::Fill Moved(const std::string& provider, s::PlacementType type, bool secure) {
  return [=](s::Event::Body::Builder b) {
    auto p = b.initPlacementChanged();
    p.setPlacementType(type);
    p.setPlacementProviderId(provider);
    p.setSecure(secure);
    p.setChangeReason(s::PlacementChanged::ChangeReason::SAFETY);
  };
}

inline CaseHistory::Fill Voided() {
  return [](s::Event::Body::Builder b) { b.initEntryVoided().setReason("entered in error"); };
}

inline CaseHistory::Fill Interview(uint8_t seq, const std::string& interviewer, bool recorded,
                            bool guardian, bool support, bool counsel, bool interpreter) {
  return [=](s::Event::Body::Builder b) {
    auto i = b.initForensicInterviewConducted();
    i.setSequenceNumber(seq);
    i.setInterviewerId(interviewer);
    i.setPremises(s::Premises::BARNAHUS);
    i.setRecorded(recorded);
    i.setGuardianPresent(guardian);
    i.setSupportPersonPresent(support);
    i.setCounselPresent(counsel);
    if (interpreter) i.setInterpreterId("interp-2");
  };
}

}  // namespace caseledger::case_view_test

#endif  // CASELEDGER_TESTS_PROJECTIONS_CASE_VIEW_HISTORY_H_
