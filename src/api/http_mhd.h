/*
 * libmicrohttpd's callbacks of the API (http.c): the access handler, called
 * on a request's head, on each piece of its body and at its end, and the
 * completion notice.  ingotd hands them to MHD_start_daemon; the HTTP
 * fuzzer (tests/fuzz/fuzz_http.c) calls them as libmicrohttpd would.
 */
#ifndef INGOT_API_HTTP_MHD_H
#define INGOT_API_HTTP_MHD_H

#include <microhttpd.h>

enum MHD_Result api_mhd_request(void *cls, struct MHD_Connection *c, const char *url,
	    const char *method, const char *version, const char *upload_data,
	    size_t *upload_data_size, void **con_cls);
void	api_mhd_completed(void *cls, struct MHD_Connection *c, void **con_cls,
	    enum MHD_RequestTerminationCode toe);

#endif
