/*
 * classify: what kind of process this is, from its name alone.
 *
 * Promises: a pure function of comm, the joined cmdline and the exe path
 * (any may be ""); it never reads /proc itself.  Apache processes come
 * back as SAPI_HTTPD: whether they hold mod_php is the caller's question
 * (libphp*.so in their maps).
 */
#ifndef MO_TRACER_CLASSIFY_H
#define MO_TRACER_CLASSIFY_H

#include <stddef.h>

enum sapi {
	SAPI_NONE = 0,
	SAPI_FPM_MASTER,    /* php-fpm: master process (conf) */
	SAPI_FPM,           /* php-fpm: pool NAME */
	SAPI_HTTPD,         /* apache2/httpd, mod_php not yet checked */
	SAPI_APACHE,        /* apache2/httpd with libphp*.so mapped */
	SAPI_CGI,           /* php-cgi */
	SAPI_CLI,           /* php, php8.2 */
	SAPI_MAIL,          /* sendmail, postdrop, qmail-inject, mailorigin-sendmail */
};

const char *sapi_name(enum sapi s);

/*
 * Classify.  For SAPI_FPM the pool name goes to EXTRA; for SAPI_FPM_MASTER
 * the config path; for SAPI_MAIL the program name.
 */
enum sapi classify_process(const char *comm, const char *cmdline,
                           const char *exe, char *extra, size_t extrasz);

/* The script a CLI command line runs ("php -f x.php", "php x.php a b"). */
int cli_script(const char *cmdline, char *out, size_t outsz);

#endif
