/* Layout of the builder's @CStruct AArch64LibCHelper.CPUFeatures. Only compiled into the builder's queries on x86-64. */
#ifndef TCP_AARCH64CPUFEATURES_H
#define TCP_AARCH64CPUFEATURES_H

/* One byte per feature: 1 when the CPU has it. The names are those the builder's query code asks for. */
typedef struct CPUFeatures {
  char fFP;
  char fASIMD;
  char fEVTSTRM;
  char fAES;
  char fPMULL;
  char fSHA1;
  char fSHA2;
  char fCRC32;
  char fLSE;
  char fDCPOP;
  char fSHA3;
  char fSHA512;
  char fSVE;
  char fSVE2;
  char fSTXR_PREFETCH;
  char fA53MAC;
  char fDMB_ATOMICS;
  char fPACA;
  char fSVEBITPERM;
  char fFPHP;
  char fASIMDHP;
} CPUFeatures;

#endif
