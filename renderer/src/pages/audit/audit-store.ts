import type { DatePicker, GetProps } from 'antd';
import { create } from 'zustand';

/** The RangePicker's own value (antd's date type), kept as is so the picker shows what was chosen. */
export type TimeRange = GetProps<typeof DatePicker.RangePicker>['value'];

interface AuditView {
  operations: string[];
  resourceType: string | undefined;
  username: string;
  resource: string;
  range: TimeRange;
  result: 'success' | 'failure' | undefined;
  newestFirst: boolean;
  set(change: Partial<Omit<AuditView, 'set' | 'reset'>>): void;
  reset(): void;
}

const EMPTY = {
  operations: [],
  resourceType: undefined,
  username: '',
  resource: '',
  range: null,
  result: undefined,
  newestFirst: true,
};

/** The audit log's filters, kept while the user looks at the resources it names. */
export const useAuditView = create<AuditView>()((set) => ({
  ...EMPTY,
  set: (change) => set(change),
  reset: () => set(EMPTY),
}));
