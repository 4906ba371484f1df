// Internal to the synthetic generator: the builder of one event from its planned step, shared by
// synthetic_events.cc (envelope, personal data, identification and representation bodies) and
// synthetic_bodies.cc (the other bodies).
//
// Details that the plan does not fix (which indicators, which provider, the wording of grounds)
// come from a SplitMix64 stream seeded by the case's key and the step's stream index, so an event
// is the same however often it is built. References to earlier events (`...Ref`) name the latest
// matching event earlier in the case's stream; an event recorded later (a late-recorded step) is
// not yet there to be named, and the reference stays empty.
#ifndef CASELEDGER_TOOLS_SYNTHETIC_EVENT_WRITER_H_
#define CASELEDGER_TOOLS_SYNTHETIC_EVENT_WRITER_H_

#include <cstdio>
#include <span>
#include <string>

#include "tools/synthetic_internal.h"

namespace caseledger::synthetic::detail {

inline capnp::Data::Reader AsData(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// Jurisdictions whose cases go through a Barnahus (obligations.md glossary).
inline bool HasBarnahus(schema::Jurisdiction j) {
  return j != schema::Jurisdiction::LV && j != schema::Jurisdiction::FI;
}

// Builds the event of step `index` of a case. One use: construct, Write, discard.
class EventWriter {
 public:
  using Body = schema::Event::Body;
  using AgencyRole = schema::AgencyRole;
  using Jurisdiction = schema::Jurisdiction;

  EventWriter(const CasePlan& plan, const Child& child, std::span<const Step> steps, size_t index)
      : plan_(plan),
        child_(child),
        f_(plan.facts),
        j_(InfoFor(plan.jurisdiction)),
        steps_(steps),
        index_(index),
        step_(steps[index]),
        correction_(step_.flags & kCorrection),
        // A correction restates its target (the same details, the same earlier events), then
        // fixes one field.
        as_of_(correction_ ? step_.link : index),
        r_(Mix64(plan.key ^ (0x2545f4914f6cdd1dull * (as_of_ + 1)))) {}

  void Write(schema::Event::Builder ev);

 private:
  EventType type() const { return static_cast<EventType>(step_.type); }
  int64_t Micros(uint32_t offset) const { return (plan_.base + offset) * kMicrosPerSecond; }
  int64_t at() const { return Micros(step_.occurred); }
  bool Is(Jurisdiction j) const { return plan_.jurisdiction == j; }
  uint64_t CaseValue(uint64_t salt) const { return Mix64(plan_.key ^ Mix64(salt)); }

  // The latest step of `type` before this one in the stream, or -1.
  int Find(EventType type, int seq = 0, int variant = -1) const {
    for (size_t i = as_of_; i-- > 0;) {
      const Step& s = steps_[i];
      if (s.type == type && !(s.flags & kCorrection) && (seq == 0 || s.seq == seq) &&
          (variant < 0 || s.variant == variant)) {
        return static_cast<int>(i);
      }
    }
    return -1;
  }
  // The event id of the latest `type` before this one; empty when there is none yet.
  std::string Ref(EventType type, int seq = 0, int variant = -1) const {
    const int i = Find(type, seq, variant);
    return i < 0 ? std::string() : EventIdOf(plan_, i);
  }
  std::string ViewsRef(schema::DecisionContext context) const {
    return Ref(Body::CHILD_VIEWS_HEARD, 0, static_cast<int>(context));
  }
  std::string LinkRef() const {
    return step_.link != kNoLink && step_.link < index_ ? EventIdOf(plan_, step_.link)
                                                        : std::string();
  }
  const Step* Linked() const { return step_.link != kNoLink ? &steps_[step_.link] : nullptr; }
  template <typename F>
  void SetRef(const std::string& id, F set) const {
    if (!id.empty()) set(AsData(id));
  }

  AgencyRole Role() const;
  std::string Agency(AgencyRole role) const {
    const bool national = role == AgencyRole::NRM_BODY || role == AgencyRole::MIGRATION ||
                          role == AgencyRole::COMPENSATION_AUTHORITY;
    return std::string(j_.prefix) + "-" + RoleSlug(role) + "-" +
           (national ? "national" : j_.regions[plan_.region]);
  }
  std::string Numbered(const char* prefix, uint64_t value, int digits = 4) const {
    char buf[64];
    std::snprintf(buf, sizeof(buf), "%s-%0*llu", prefix, digits,
                  static_cast<unsigned long long>(value % (digits == 4 ? 10000 : 1000)));
    return buf;
  }
  std::string Actor(AgencyRole role) const {
    return Numbered(ActorPrefix(role), CaseValue(0x100 + static_cast<uint64_t>(role)));
  }
  std::string Interviewer(bool changed) const {
    return Numbered("officer", CaseValue(0x100 + static_cast<uint64_t>(AgencyRole::POLICE)) +
                                   (changed ? 17 : 0));
  }
  std::string Person(const char* prefix, uint64_t salt) const {
    return Numbered(prefix, CaseValue(salt));
  }
  // "placement-no-042"; `offset` gives a neighbouring provider of the same kind.
  std::string Provider(const char* kind, uint64_t salt, uint64_t offset = 0) const {
    return std::string(kind) + "-" + j_.prefix + Numbered("", CaseValue(salt) % 1000 + offset, 3);
  }
  std::string PoliceRef() const {
    char buf[48];
    std::snprintf(buf, sizeof(buf), "%s-%u-%05llu", j_.iso, plan_.year,
                  static_cast<unsigned long long>(CaseValue(0x501) % 100000));
    return buf;
  }
  const char* Language() const {
    return f_.needs_interpreter ? NationalityAt(child_.nationality).language : j_.language;
  }
  bool GuardianBefore() const { return Find(Body::GUARDIAN_APPOINTED) >= 0; }
  void Offences(capnp::List<capnp::Text>::Builder list) const {
    list.set(0, j_.trafficking_offence);
    if (list.size() > 1) list.set(1, j_.sexual_offence);
  }
  unsigned OffenceCount() const {
    const auto sexual = (1u << static_cast<int>(schema::ExploitationType::SEXUAL)) |
                        (1u << static_cast<int>(schema::ExploitationType::ONLINE_SEXUAL));
    return (f_.exploitation & sexual) ? 2 : 1;
  }

  void Facts(schema::ChildFacts::Builder b, bool observed);
  void ExploitationTypes(capnp::List<schema::ExploitationType>::Builder list) const;
  unsigned ExploitationCount() const {
    return static_cast<unsigned>(__builtin_popcount(f_.exploitation));
  }
  void FillIndicators(capnp::List<schema::TraffickingIndicator>::Builder list) const {
    unsigned k = 0;
    for (int i = 1; i < 32 && k < list.size(); ++i) {
      if ((f_.indicators >> i) & 1) list.set(k++, static_cast<schema::TraffickingIndicator>(i));
    }
  }
  unsigned IndicatorCount() const {
    return static_cast<unsigned>(__builtin_popcount(f_.indicators));
  }
  void Personal(schema::Event::Builder ev);
  void FillBody(schema::Event::Body::Builder body);
  void Identification(schema::Event::Body::Builder body);
  void Representation(schema::Event::Body::Builder body);
  void Assessment(schema::Event::Body::Builder body);
  void Support(schema::Event::Body::Builder body);
  void Interview(schema::Event::Body::Builder body);
  void Proceedings(schema::Event::Body::Builder body);
  void Migration(schema::Event::Body::Builder body);
  void Outcome(schema::Event::Body::Builder body);

  const CasePlan& plan_;
  const Child& child_;
  const CaseFacts& f_;
  const JurisdictionInfo& j_;
  std::span<const Step> steps_;
  const size_t index_;
  const Step& step_;
  const bool correction_;
  const size_t as_of_;  // events before this stream index count as earlier
  DetailRandom r_;
};

}  // namespace caseledger::synthetic::detail

#endif  // CASELEDGER_TOOLS_SYNTHETIC_EVENT_WRITER_H_
