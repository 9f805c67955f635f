import { panelData, pageUrl } from "./calendarPanel.ts";
import { makeDaySlotRenderer } from "./daySlots.ts";
import { makeViewerReader } from "./viewer.ts";
import { makeZonePicker } from "./zonePicker.ts";

/**
 * What pages need to turn a snapshot and a request into view data, with the memos that make
 * it cheap (rendered slot lists, zone picker, hour cycles) held for the server's lifetime.
 */
export const makePageViews = () => ({
  ...makeViewerReader(),
  zonePickerGroups: makeZonePicker(),
  renderDaySlots: makeDaySlotRenderer(),
  panelData,
  pageUrl,
});

export type PageViews = ReturnType<typeof makePageViews>;
