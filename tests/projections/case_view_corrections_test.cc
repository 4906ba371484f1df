// The case view: proceedings and later sections, corrections (supersedes, entryVoided), and the
// persisted form (canonical bytes, round trip, JSON, text). Expected values are written out from
// each history by hand.
#include <catch2/catch.hpp>

#include "projections/case_view.h"
#include "tests/projections/case_view_history.h"

namespace caseledger::case_view_test {
namespace {

// A history that touches every later section; shared by the proceedings and bytes tests.
void AddProceedings(CaseHistory& h) {
  h.Add(kT0, [](s::Event::Body::Builder b) {
    auto c = b.initCrimeReported();
    c.initOffenceCodes(1).set(0, "SE:BrB 4:1a");
    c.setChildRole(s::CrimeReported::ChildRole::VICTIM);
  });
  h.Add(kT0 + kDay, [](s::Event::Body::Builder b) {
    b.initInvestigationOpened().initOffenceCodes(1).set(0, "SE:BrB 4:1a");
  });
  h.Add(kT0 + 2 * kDay, [](s::Event::Body::Builder b) {
    auto l = b.initLegalCounselAppointed();
    l.setCounselId("counsel-5");
    l.setFree(true);
    auto sc = l.initScopes(2);
    sc.set(0, s::LegalCounselAppointed::Scope::CRIMINAL);
    sc.set(1, s::LegalCounselAppointed::Scope::COMPENSATION);
  });
  h.Add(kT0 + 60 * kDay, [](s::Event::Body::Builder b) {
    b.initChargesFiled().initOffenceCodes(1).set(0, "SE:BrB 4:1a");
  });
  h.Add(kT0 + 90 * kDay, [](s::Event::Body::Builder b) { b.initTrialStarted().setCourtId("court-1"); });
  h.Add(kT0 + 95 * kDay, [](s::Event::Body::Builder b) {
    auto v = b.initVerdictDelivered();
    v.setOutcome(s::VerdictDelivered::Outcome::CONVICTION);
    v.setFinalVerdict(true);
  });
  h.Add(kT0 + 3 * kHour, [](s::Event::Body::Builder b) {
    b.initChildProtectionReportReceived().setReportedBy(s::ReporterKind::POLICE);
  });
  h.Add(kT0 + 5 * kHour, [](s::Event::Body::Builder b) {
    auto d = b.initCpAssessmentDecided();
    d.setDecision(s::CpAssessmentDecided::Decision::OPEN_INVESTIGATION);
    d.setUrgency(s::Urgency::URGENT);
  });
  h.Add(kT0 + 50 * kDay, [](s::Event::Body::Builder b) {
    b.initCpInvestigationCompleted().setConclusion(
        s::CpInvestigationCompleted::Conclusion::SUPPORT_MEASURES);
  });
  h.Add(kT0 + 4 * kDay, [](s::Event::Body::Builder b) {
    b.initResidencePermitApplied().setPermitType(s::PermitType::TRAFFICKING_VICTIM);
  });
  h.Add(kT0 + 30 * kDay, [](s::Event::Body::Builder b) {
    auto g = b.initResidencePermitGranted();
    g.setPermitType(s::PermitType::TRAFFICKING_VICTIM);
    g.setValidUntilAt(kT0 + 400 * kDay);
  });
  h.Add(kT0 + 31 * kDay, [](s::Event::Body::Builder b) {
    b.initResidencePermitRefused().setPermitType(s::PermitType::INTERNATIONAL_PROTECTION);
  });
  h.Add(kT0 + 10 * kDay, [](s::Event::Body::Builder b) {
    b.initTransnationalReferralSent().setReceivingState("RO");
  });
  h.Add(kT0 + 11 * kDay, [](s::Event::Body::Builder b) {
    b.initReturnRiskAssessmentCompleted().setReceivingState("RO");
  });
  h.Add(kT0 + 12 * kDay, [](s::Event::Body::Builder b) { b.initReturnDecided().setReceivingState("RO"); });
  h.Add(kT0 + 20 * kDay, [](s::Event::Body::Builder b) { b.initChildMissingReported(); });
  h.Add(kT0 + 21 * kDay, [](s::Event::Body::Builder b) { b.initChildLocated(); });
  h.Add(kT0 + 25 * kDay, [](s::Event::Body::Builder b) { b.initChildMissingReported(); });
  h.Add(kT0 + 100 * kDay, [](s::Event::Body::Builder b) {
    b.initDurableSolutionDetermined().setSolution(s::DurableSolution::LOCAL_INTEGRATION);
  });
}

TEST_CASE("case view: counsel, criminal and child-protection proceedings, residence, "
          "cross-border steps, missing episodes, closure",
          "[caseview]") {
  CaseHistory h;
  AddProceedings(h);
  CaseViewFold fold;
  h.FoldInto(fold);
  View v(fold);
  auto lc = v->getLegalCounsel();
  CHECK(lc.getAppointed());
  CHECK(lc.getCounselId() == "counsel-5");
  CHECK(lc.getFree());
  REQUIRE(lc.getScopes().size() == 2);
  CHECK(lc.getScopes()[1] == s::LegalCounselAppointed::Scope::COMPENSATION);
  auto cr = v->getCriminal();
  CHECK(cr.getCrimeReports() == 1);
  CHECK(cr.getFirstCrimeReportAt() == kT0);
  CHECK(cr.getInvestigationOpened());
  CHECK(cr.getInvestigationOpenedAt() == kT0 + kDay);
  CHECK(cr.getCharges() == 1);
  CHECK(cr.getFirstChargesAt() == kT0 + 60 * kDay);
  CHECK(cr.getTrialStartedAt() == kT0 + 90 * kDay);
  CHECK(cr.getVerdict() == s::VerdictDelivered::Outcome::CONVICTION);
  CHECK(cr.getFinalVerdict());
  CHECK_FALSE(cr.getDiscontinued());
  auto cp = v->getChildProtection();
  CHECK(cp.getReports() == 1);
  CHECK(cp.getFirstReportAt() == kT0 + 3 * kHour);
  CHECK(cp.getDecision() == s::CpAssessmentDecided::Decision::OPEN_INVESTIGATION);
  CHECK(cp.getUrgency() == s::Urgency::URGENT);
  CHECK(cp.getInvestigationCompleted());
  CHECK(cp.getConclusion() == s::CpInvestigationCompleted::Conclusion::SUPPORT_MEASURES);
  auto rs = v->getResidence();
  CHECK(rs.getApplications() == 1);
  CHECK(rs.getGranted() == 1);
  CHECK(rs.getPermitType() == s::PermitType::TRAFFICKING_VICTIM);
  CHECK(rs.getValidUntilAt() == kT0 + 400 * kDay);
  CHECK(rs.getRefused() == 1);
  CHECK(rs.getLastRefusedAt() == kT0 + 31 * kDay);
  auto xb = v->getCrossBorder();
  CHECK(xb.getReferralsSent() == 1);
  CHECK(xb.getReturnRiskAssessments() == 1);
  CHECK(xb.getReturnDecided());
  CHECK(xb.getReturnState() == "RO");
  CHECK_FALSE(xb.getReturnExecuted());
  CHECK(xb.getTransfers() == 0);
  auto m = v->getMissing();
  CHECK(m.getEpisodes() == 2);
  CHECK(m.getOpen());
  CHECK(m.getMissingSinceAt() == kT0 + 25 * kDay);
  CHECK(m.getLastLocatedAt() == kT0 + 21 * kDay);
  auto cl = v->getClosure();
  CHECK_FALSE(cl.getClosed());
  CHECK(cl.getDurableSolution() == s::DurableSolution::LOCAL_INTEGRATION);
  CHECK(cl.getDurableSolutionAt() == kT0 + 100 * kDay);
  CHECK(v->getOpenObligations() == 0);
  CHECK(v->getFindings() == 0);
}

TEST_CASE("case view: a correction replaces a guardian, history keeps the original, marked",
          "[caseview][corrections]") {
  CaseHistory h;
  h.Add(kT0, Presumed(s::Answer::YES));
  const std::string original = h.Add(kT0 + kDay, Guardian("g-3"));
  CaseViewFold fold;
  h.FoldInto(fold);
  const std::string fix = h.Add(kT0 + kDay, Guardian("g-5"), original);
  CHECK(fold.Apply(h[2], 102).needs_refold);
  REQUIRE(fold.Refold(h.Scan(3)).ok());
  View v(fold);
  auto r = v->getRepresentation();
  CHECK(r.getCurrent().getId() == "g-5");
  REQUIRE(r.getHistory().size() == 1);  // g-3 was never the guardian
  REQUIRE(r.getGaps().size() == 1);
  CHECK(r.getGaps()[0].getEndAt() == kT0 + kDay);
  REQUIRE(v->getHistory().size() == 3);
  auto was = v->getHistory()[1];
  CHECK(Str(was.getEventId()) == original);
  CHECK(was.getType() == "guardianAppointed");
  CHECK(was.getSuperseded());
  CHECK_FALSE(was.getVoided());
  CHECK(Str(v->getHistory()[2].getSupersedes()) == original);
  CHECK_FALSE(v->getHistory()[2].getSuperseded());
  REQUIRE(v->getCorrections().size() == 1);
  auto c = v->getCorrections()[0];
  CHECK(Str(c.getEventId()) == original);
  CHECK(c.getPosition() == 101);
  CHECK(Str(c.getByEventId()) == fix);
  CHECK(c.getByPosition() == 102);
  CHECK_FALSE(c.getVoided());
}

TEST_CASE("case view: entryVoided withdraws a placement, voiding the void restores it",
          "[caseview][corrections]") {
  CaseHistory h;
  h.Add(kT0, Placed("shelter-1", s::PlacementType::SPECIALISED_SHELTER));
  const std::string moved = h.Add(kT0 + 2 * kDay, Moved("secure-4", s::PlacementType::SECURE_UNIT, true));
  const std::string void_id = h.Add(kT0 + 3 * kDay, Voided(), moved);
  CaseViewFold fold;
  CHECK(h.FoldInto(fold) == 1);
  {
    View v(fold);
    auto pl = v->getPlacement();
    CHECK(pl.getPlaced());
    CHECK(pl.getCurrent().getProviderId() == "shelter-1");
    CHECK(pl.getCurrent().getUntilAt() == 0);
    REQUIRE(pl.getHistory().size() == 1);
    CHECK(v->getHistory()[1].getVoided());
    REQUIRE(v->getCorrections().size() == 1);
    CHECK(v->getCorrections()[0].getVoided());
    CHECK(Str(v->getCorrections()[0].getByEventId()) == void_id);
  }
  h.Add(kT0 + 4 * kDay, Voided(), void_id);  // the void itself was entered in error
  CHECK(h.FoldInto(fold) == 1);
  View v(fold);
  CHECK(v->getPlacement().getCurrent().getProviderId() == "secure-4");
  CHECK(v->getPlacement().getHistory().size() == 2);
  CHECK_FALSE(v->getHistory()[1].getVoided());
  CHECK(v->getHistory()[2].getVoided());
  REQUIRE(v->getCorrections().size() == 1);
  CHECK(Str(v->getCorrections()[0].getEventId()) == void_id);
}

TEST_CASE("case view: a fresh fold refolded from a scan settles its corrections",
          "[caseview][corrections]") {
  CaseHistory h;
  h.Add(kT0, Placed("shelter-1", s::PlacementType::SPECIALISED_SHELTER));
  const std::string moved = h.Add(kT0 + kDay, Moved("secure-4", s::PlacementType::SECURE_UNIT, true));
  h.Add(kT0 + 2 * kDay, Voided(), moved);
  CaseViewFold fresh;
  REQUIRE(fresh.Refold(h.Scan(h.size())).ok());
  View v(fresh);
  CHECK(v->getPlacement().getCurrent().getProviderId() == "shelter-1");
  CHECK(v->getPlacement().getHistory().size() == 1);
  CHECK(v->getHistory().size() == 3);
  CaseViewFold incremental;
  h.FoldInto(incremental);
  CHECK(fresh.Serialize() == incremental.Serialize());
}

TEST_CASE("case view: a correction of a correction keeps the original replaced",
          "[caseview][corrections]") {
  CaseHistory h;
  const std::string a = h.Add(kT0, Guardian("g-1"));
  const std::string b = h.Add(kT0, Guardian("g-2"), a);
  h.Add(kT0, Guardian("g-3"), b);
  CaseViewFold fold;
  CHECK(h.FoldInto(fold) == 2);
  View v(fold);
  CHECK(v->getRepresentation().getCurrent().getId() == "g-3");
  CHECK(v->getRepresentation().getHistory().size() == 1);
  CHECK(v->getHistory()[0].getSuperseded());
  CHECK(v->getHistory()[1].getSuperseded());
  CHECK(v->getCorrections().size() == 2);
}

TEST_CASE("case view: bytes are canonical, deterministic and survive a round trip",
          "[caseview][bytes]") {
  CaseHistory h;
  h.Add(kT0 - kDay, Presumed(s::Answer::YES));
  AddProceedings(h);
  const std::string g = h.Add(kT0 + kDay, Guardian("g-1"));
  h.Add(kT0 + kDay, Guardian("g-9"), g);
  h.Add(kT0 + 3 * kDay, Interview(1, "iv-7", true, true, false, false, true));

  CaseViewFold one;
  CaseViewFold two;
  h.FoldInto(one);
  h.FoldInto(two);
  const std::string bytes = one.Serialize();
  CHECK(bytes == two.Serialize());

  auto back = CaseViewFold::Deserialize(bytes);
  REQUIRE(back.ok());
  CHECK(back->Serialize() == bytes);
  CHECK(back->case_id() == "case-77");
  CHECK(back->event_count() == h.size());

  SECTION("a fold resumed from its bytes ends where an uninterrupted one does") {
    const std::string late = h.Add(kT0 + 5 * kDay, Placed("foster-2", s::PlacementType::FOSTER_FAMILY));
    h.Add(kT0 + 6 * kDay, Voided(), late);
    CaseViewFold resumed = std::move(back.value());
    for (size_t i = h.size() - 2; i < h.size(); ++i) {
      if (resumed.Apply(h[i], kFirstPosition + i).needs_refold) {
        REQUIRE(resumed.Refold(h.Scan(i + 1)).ok());
      }
    }
    h.FoldInto(one);
    CHECK(resumed.Serialize() == one.Serialize());
    View v(one);
    CHECK_FALSE(v->getPlacement().getPlaced());
  }
  SECTION("bytes that are not a case view are Corruption") {
    CHECK(CaseViewFold::Deserialize(bytes.substr(0, 12)).status().IsCorruption());
    std::string bad = bytes;
    for (size_t i = 0; i < 8; ++i) bad[i] = '\xff';
    CHECK(CaseViewFold::Deserialize(bad).status().IsCorruption());
  }
}

TEST_CASE("case view: JSON shows times in RFC 3339 and ids in hex, text summarises",
          "[caseview]") {
  CaseHistory h;
  h.Add(kT0, Presumed(s::Answer::YES));
  h.Add(kT0 + 10 * kHour, Guardian("g-4"));
  CaseViewFold fold;
  h.FoldInto(fold);
  fold.SetCompliance(3, 1);
  const std::string json = fold.ToJson();
  CHECK(json.find("\"caseId\":\"case-77\"") != std::string::npos);
  CHECK(json.find("\"presumedAt\":\"2025-03-03T09:00:00Z\"") != std::string::npos);
  CHECK(json.find("\"sinceAt\":\"2025-03-03T19:00:00Z\"") != std::string::npos);
  CHECK(json.find("\"lastPosition\":101") != std::string::npos);
  // IdFor(1): "tst-" then seven zero bytes and 0x01.
  CHECK(json.find("\"eventId\":\"7473742d000000000000000000000001\"") != std::string::npos);
  CHECK(json.find("\"openObligations\":3") != std::string::npos);
  const std::string text = fold.ToText();
  CHECK(text.find("g-4 (civilGuardian) since 2025-03-03T19:00:00Z") != std::string::npos);
  CHECK(text.find("3 open, 1 findings") != std::string::npos);
}

}  // namespace
}  // namespace caseledger::case_view_test
