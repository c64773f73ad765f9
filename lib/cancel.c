#include "dcos-docker/cancel.h"

#include <signal.h>

static volatile sig_atomic_t cancel_signal;

void dd_cancel_request(int signo)
{
	cancel_signal = signo ? signo : -1;
}
bool dd_cancelled(void)
{
	return cancel_signal != 0;
}
int dd_cancel_signal(void)
{
	return cancel_signal > 0 ? cancel_signal : 0;
}
