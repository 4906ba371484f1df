// The case view for people: JSON through the Cap'n Proto codec (times as RFC 3339, as the
// ledger's event JSON shows them) and a short text summary for the command line.
#include <cctype>
#include <capnp/compat/json.h>
#include <capnp/dynamic.h>
#include <capnp/message.h>
#include <capnp/schema.h>

#include <cstdio>
#include <set>

#include "ledger/time_format.h"
#include "projections/case_view.h"
#include "projections/case_view_state.h"

namespace caseledger {

namespace {

class TimeHandler final : public capnp::JsonCodec::Handler<int64_t> {
 public:
  void encode(const capnp::JsonCodec&, int64_t input,
              capnp::JsonValue::Builder output) const override {
    if (input == 0) {
      output.setNull();
    } else {
      output.setString(FormatRfc3339(input));
    }
  }
  int64_t decode(const capnp::JsonCodec&, capnp::JsonValue::Reader) const override {
    KJ_FAIL_REQUIRE("the case view's JSON is output only");
  }
};

class NumberHandler final : public capnp::JsonCodec::Handler<uint64_t> {
 public:
  void encode(const capnp::JsonCodec&, uint64_t input,
              capnp::JsonValue::Builder output) const override {
    output.setNumber(static_cast<double>(input));
  }
  uint64_t decode(const capnp::JsonCodec&, capnp::JsonValue::Reader) const override {
    KJ_FAIL_REQUIRE("the case view's JSON is output only");
  }
};

// The codec, set up once: times by name (`...At`), positions and versions (UInt64) as numbers.
struct ViewCodec {
  capnp::JsonCodec codec;
  TimeHandler times;
  NumberHandler numbers;
  std::set<uint64_t> seen;

  ViewCodec() {
    codec.handleByAnnotation<schema::CaseView>();
    Register(capnp::Schema::from<schema::CaseView>());
  }

  void Register(capnp::StructSchema schema) {
    if (!seen.insert(schema.getProto().getId()).second) return;
    for (auto field : schema.getFields()) {
      auto type = field.getType();
      if (type.which() == capnp::schema::Type::INT64 &&
          kj::StringPtr(field.getProto().getName()).endsWith("At")) {
        codec.addFieldHandler(field, times);
      } else if (type.which() == capnp::schema::Type::UINT64) {
        codec.addFieldHandler(field, numbers);
      } else if (type.isStruct()) {
        Register(type.asStruct());
      } else if (type.isList() && type.asList().getElementType().isStruct()) {
        Register(type.asList().getElementType().asStruct());
      }
    }
  }
};

std::string Time(int64_t at) { return at == 0 ? "-" : FormatRfc3339(at); }

std::string EnumName(capnp::DynamicEnum value) {
  KJ_IF_MAYBE(e, value.getEnumerant()) { return e->getProto().getName().cStr(); }
  return "?";
}

template <typename E>
std::string Name(E value) {
  return EnumName(capnp::DynamicEnum(capnp::Schema::from<E>(), static_cast<uint16_t>(value)));
}

void Line(std::string& out, const char* label, const std::string& value) {
  char head[32];
  std::snprintf(head, sizeof(head), "%-17s", label);  // the longest label and a space
  out += head;
  out += value;
  out += '\n';
}

std::string N(uint64_t n) { return std::to_string(n); }
std::string YesNo(bool b) { return b ? "yes" : "no"; }

}  // namespace

std::string CaseViewFold::ToJson() const {
  static const ViewCodec codec;  // immutable once built; encode is const
  capnp::MallocMessageBuilder message;
  detail::ToMessage(*state_, message.initRoot<schema::CaseView>());
  return codec.codec.encode(message.getRoot<schema::CaseView>().asReader()).cStr();
}

std::string CaseViewFold::ToText() const {
  const detail::ViewState& st = *state_;
  const detail::Facts& f = st.facts;
  std::string out;
  std::string jurisdiction = Name(f.jurisdiction);
  for (auto& c : jurisdiction) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  Line(out, "case", st.case_id + "  child " + st.child_id + "  " + jurisdiction);
  Line(out, "events", N(st.history.size()) + " (positions " + N(st.first_position) + ".." +
                          N(st.last_position) + "), " + Time(f.first_occurred_at) + " to " +
                          Time(f.last_occurred_at));
  const auto& id = f.identification;
  Line(out, "identification",
       "indicators " + N(id.indicators_observed) + ", presumed " +
           (id.presumed_victim ? Time(id.presumed_at) : "no") + ", formal " +
           Name(id.formal_decision) + " " + Time(id.formal_decision_at));
  Line(out, "age", "basis " + Name(f.age.age_basis) + ", disputed " + YesNo(f.age.disputed) +
                       ", assessed " + Name(f.age.result) + ", presumption in force " +
                       YesNo((f.age.disputed || f.age.presumption_applied ||
                              f.age.age_basis == schema::AgeBasis::UNKNOWN) &&
                             !f.age.settled));
  const auto& r = f.representation;
  if (r.has_current) {
    const auto& g = r.history.back();
    Line(out, "representative", g.id + " (" + Name(g.type) + ") since " + Time(g.since_at) +
                                    (g.conflict_flagged ? ", conflict flagged" : ""));
  } else {
    Line(out, "representative", r.needed ? "none, needed since " + Time(r.needed_since_at) : "none");
  }
  for (const auto& gap : r.gaps) {
    Line(out, "  gap", Time(gap.start_at) + " to " + (gap.open ? "open" : Time(gap.end_at)));
  }
  const auto& rf = f.reflection;
  Line(out, "reflection", rf.granted ? Time(rf.start_at) + " to " + Time(rf.end_at) +
                                           ", extensions " + N(rf.extensions) +
                                           (rf.ended ? ", ended " + Name(rf.end_reason) : "")
                                     : "not granted");
  if (f.placement.placed) {
    const auto& p = f.placement.history.back();
    Line(out, "placement", Name(p.type) + " " + p.provider_id + " since " + Time(p.since_at) +
                               (p.secure ? " (secure)" : ""));
  } else {
    Line(out, "placement", "none (" + N(f.placement.history.size()) + " before)");
  }
  const auto& as = f.assessments;
  Line(out, "assessments", "individual " + N(as.individual) + ", risk " + N(as.risk_updates) +
                               ", BID " + N(as.best_interests) + ", conferences " +
                               N(as.case_conferences) +
                               (f.closure.closed ? "" : ", next review " + Time(as.next_review_at)));
  const auto& sp = f.support;
  Line(out, "support", "crisis " + N(sp.crisis_support) + ", therapy " +
                           (sp.in_therapy ? "ongoing" : N(sp.therapies)) + ", school " +
                           (sp.school_enrolled ? sp.school_id : "no") + ", education " +
                           N(sp.education_arrangements));
  const auto& iv = f.interviews;
  std::string who;
  for (const auto& i : iv.interviewers) who += (who.empty() ? "" : ",") + i;
  Line(out, "interviews", N(iv.held.size()) + " held, " + N(iv.recorded) + " recorded, by " +
                              (who.empty() ? "-" : who));
  for (const auto& i : iv.held) {
    std::string present;
    if (i.guardian_present) present += " guardian";
    if (i.support_person_present) present += " support";
    if (i.counsel_present) present += " counsel";
    if (i.interpreter_present) present += " interpreter";
    Line(out, "  interview", N(i.sequence_number) + " " + Time(i.occurred_at) + " " +
                                 Name(i.premises) + (i.recorded ? " recorded" : "") +
                                 (present.empty() ? "" : ";" + present));
  }
  Line(out, "legal counsel", f.legal_counsel.appointed ? f.legal_counsel.counsel_id : "none");
  const auto& cr = f.criminal;
  Line(out, "criminal", "reports " + N(cr.crime_reports) + ", investigation " +
                            YesNo(cr.investigation_opened) + ", charges " + N(cr.charges) +
                            ", verdict " + Name(cr.verdict) +
                            (cr.discontinued ? ", discontinued" : ""));
  Line(out, "child protection", "reports " + N(f.child_protection.reports) + ", decision " +
                                    Name(f.child_protection.decision));
  Line(out, "residence", "applied " + N(f.residence.applications) + ", granted " +
                             N(f.residence.granted) + ", refused " + N(f.residence.refused));
  const auto& xb = f.cross_border;
  Line(out, "cross-border", "referrals " + N(xb.referrals_sent) + ", transfers " +
                                N(xb.transfers) + ", return " +
                                (xb.return_executed ? "executed" : xb.return_decided ? "decided"
                                                                                     : "no"));
  Line(out, "missing", N(f.missing.episodes) + " episodes" +
                           (f.missing.open ? ", missing since " + Time(f.missing.missing_since_at)
                                           : ""));
  Line(out, "closure", f.closure.closed ? Time(f.closure.closed_at) + " " +
                                              Name(f.closure.reason) + ", solution " +
                                              Name(f.closure.durable_solution)
                                        : "open");
  Line(out, "obligations", N(st.open_obligations) + " open, " + N(st.findings) + " findings");
  for (const auto& row : st.history) {
    if (row.withdrawn_by < 0) continue;
    const auto& by = st.history[static_cast<size_t>(row.withdrawn_by)];
    Line(out, "correction", "position " + N(row.position) + " " +
                                detail::EventTypeNameOf(row.type) +
                                (row.standing == detail::HistoryRow::Standing::kVoided
                                     ? " voided by "
                                     : " superseded by ") +
                                "position " + N(by.position));
  }
  return out;
}

}  // namespace caseledger
