// Placeholder: the end-to-end settlement demo replaces this file.
console.log("Kessai demo");
