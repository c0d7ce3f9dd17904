/* idseek.c: see idseek.h. */
#include "idseek.h"

long
idseek(const int32_t *ids, size_t n, size_t from, int32_t id)
{
	size_t lo = from, hi, step = 1;

	if (from >= n || ids[from] > id) {
		lo = 0;
		hi = n;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (ids[mid] < id)
				lo = mid + 1;
			else
				hi = mid;
		}
		return lo < n && ids[lo] == id ? (long)lo : -1;
	}
	while (lo + step < n && ids[lo + step] <= id) {
		lo += step;
		step *= 2;
	}
	hi = lo + step < n ? lo + step : n;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (ids[mid] <= id)
			lo = mid;
		else
			hi = mid;
	}
	return ids[lo] == id ? (long)lo : -1;
}
