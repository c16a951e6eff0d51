// TEST DOUBLE of libsel4's Arm <sel4/arch/constants.h>: nothing the backend needs.
#pragma once
