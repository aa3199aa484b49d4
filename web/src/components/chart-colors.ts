/** Series colours readable on both themes' panels (contrast >= 3:1 for graphics). */
export const SERIES_COLOURS = ['#7c5cff', '#0d9488', '#d97706', '#db2777', '#2563eb', '#65a30d'];
