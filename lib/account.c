/* account: a uid's passwd name and the vhost of its home folder. */
#include <bsd/string.h>
#include <pwd.h>

#include "account.h"

int
mo_account_name(const struct mo_config *c, uid_t uid, char *user, size_t ulen,
    char *vhost, size_t vlen)
{
	struct passwd *pw = getpwuid(uid);

	if (ulen)
		user[0] = '\0';
	if (vlen)
		vhost[0] = '\0';
	if (pw == NULL)
		return -1;
	strlcpy(user, pw->pw_name, ulen);
	if (c != NULL && pw->pw_dir != NULL && pw->pw_dir[0] == '/' &&
	    mo_vhost_match(c, pw->pw_dir, vhost, vlen) == NULL && vlen)
		vhost[0] = '\0';
	return 0;
}
