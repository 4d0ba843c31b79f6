/* The MAX78000FTHR's RGB LED as an output; see fthr.h. A delivery to an output of kind "led"
 * shows the class the tensor ranks first: the index of its largest value (int8) picks one of the
 * seven colours (index mod 7 + 1 as a red/green/blue mask), so the LED follows the prediction. */
#include <string.h>

#include "fthr.h"
#include "max78000_regs.h"

void syn_fthr_led_init(void)
{
    /* Outputs powered from VDDIOH, GPIO function (MSDK FTHR_RevA board.c led_pin[]), all off. */
    GPIO_OUT_SET(GPIO2_BASE) = LED_ALL;
    GPIO_VSSEL(GPIO2_BASE) |= LED_ALL;
    GPIO_EN0_SET(GPIO2_BASE) = LED_ALL;
    GPIO_EN1_CLR(GPIO2_BASE) = LED_ALL;
    GPIO_EN2_CLR(GPIO2_BASE) = LED_ALL;
    GPIO_OUTEN_SET(GPIO2_BASE) = LED_ALL;
}

void syn_fthr_led_show(unsigned rgb)
{
    uint32_t on = ((rgb & 1u) ? LED_RED : 0u) | ((rgb & 2u) ? LED_GREEN : 0u) | ((rgb & 4u) ? LED_BLUE : 0u);
    GPIO_OUT_SET(GPIO2_BASE) = LED_ALL & ~on;   /* lit when low */
    GPIO_OUT_CLR(GPIO2_BASE) = on;
}

void syn_fthr_led_deliver(void *user, size_t index, const char *kind, const uint8_t *bytes, uint32_t n)
{
    (void)user;
    (void)index;
    if (strcmp(kind, "led") != 0 || n == 0)
        return;
    uint32_t best = 0;
    for (uint32_t i = 1; i < n; i++) {
        if ((int8_t)bytes[i] > (int8_t)bytes[best])
            best = i;
    }
    syn_fthr_led_show(best % 7u + 1u);
}
