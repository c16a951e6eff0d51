// TEST DOUBLE of libsel4's RISC-V <sel4/arch/constants.h>: nothing the backend needs.
#pragma once
