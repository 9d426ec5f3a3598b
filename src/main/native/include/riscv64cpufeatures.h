/* Layout of the builder's @CStruct RISCV64LibCHelper.CPUFeatures. Only compiled into the builder's queries on x86-64. */
#ifndef TCP_RISCV64CPUFEATURES_H
#define TCP_RISCV64CPUFEATURES_H

/* One byte per feature: 1 when the CPU has it. The names are those the builder's query code asks for. */
typedef struct CPUFeatures {
  char fI;
  char fM;
  char fA;
  char fF;
  char fD;
  char fC;
  char fV;
} CPUFeatures;

#endif
