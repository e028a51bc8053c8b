import { create } from 'zustand';

/** The jobs page's choices that should still be there after a visit to another page. */
interface JobsUiState {
  tab: 'executions' | 'queues';
  vendorType: string | undefined;
  status: string | undefined;
  setTab(tab: JobsUiState['tab']): void;
  setVendorType(vendorType: string | undefined): void;
  setStatus(status: string | undefined): void;
}

export const useJobsUi = create<JobsUiState>()((set) => ({
  tab: 'executions',
  vendorType: undefined,
  status: undefined,
  setTab: (tab) => set({ tab }),
  setVendorType: (vendorType) => set({ vendorType }),
  setStatus: (status) => set({ status }),
}));
