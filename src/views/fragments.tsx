import type { EpochMs } from "../domain/time.ts";
import { slotElementId } from "./SlotList.tsx";

/**
 * What a live page receives when slots are taken: one out-of-band delete per slot. The ids are
 * time-zone free, so the same message serves every open page, whatever zone it shows.
 */
export const SlotsTaken = (props: { readonly offer: string; readonly starts: ReadonlyArray<EpochMs> }) => (
  <>
    {props.starts.map((start) => (
      <li id={slotElementId(props.offer, start)} hx-swap-oob="delete"></li>
    ))}
  </>
);

export { DayState } from "./Calendar.tsx";

/** Slots came free: each page re-fetches its own view (only it knows its zone and range). */
export const REFRESH_MESSAGE = JSON.stringify({ type: "refresh" });
