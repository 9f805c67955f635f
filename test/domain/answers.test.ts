import { describe, expect, it } from "vitest";
import type { EventType } from "../../src/domain/model.ts";
import { answerProblems } from "../../src/domain/validation.ts";

const eventType = {
  questions: [
    { id: "topic", label: "Topic", kind: "short_text", required: true },
    { id: "story", label: "Story", kind: "long_text", required: false },
    { id: "size", label: "Size", kind: "single_choice", required: true, options: ["S", "L"] },
    { id: "ok", label: "Consent", kind: "checkbox", required: true },
    { id: "tel", label: "Phone", kind: "phone", required: false },
  ],
} as unknown as EventType;

const problems = (answers: Record<string, string>) => answerProblems(eventType, answers).map((p) => [p.field, p.message]);

describe("an invitee's answers", () => {
  it("every rule broken at once is named, one per field, in the form's order", () => {
    expect(problems({ extra: "x", note: "n".repeat(2001), size: "M", ok: "maybe", tel: "abc", story: "s".repeat(5001) })).toEqual([
      ["answers.extra", "is not a question of this event"],
      ["note", "Note must be at most 2000 characters"],
      ["answers.topic", "Topic is required"],
      ["answers.story", "Story is longer than 5000 characters"],
      ["answers.size", "Size must be one of the offered choices"],
      ["answers.ok", 'Consent is ticked ("yes") or left out'],
      ["answers.tel", "Phone must be a phone number"],
    ]);
  });

  it("good answers (and the note, and optional ones left out) pass; an unticked required box is named", () => {
    expect(problems({ topic: "  Plans  ", size: "L", ok: "yes", note: "n".repeat(2000), story: "s".repeat(5000), tel: "+43 1 234 5678" })).toEqual([]);
    expect(problems({ topic: "t".repeat(500), size: "S", ok: "" })).toEqual([["answers.ok", "Consent must be ticked"]]);
    expect(problems({ topic: "t".repeat(501), size: "S", ok: "yes", tel: "1234" })).toEqual([
      ["answers.topic", "Topic is longer than 500 characters"],
      ["answers.tel", "Phone must be a phone number"],
    ]);
  });
});
