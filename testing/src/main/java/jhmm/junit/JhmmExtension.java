package jhmm.junit;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import jhmm.base.ByteSize;
import jhmm.dma.DmaSystem;
import jhmm.kernel.Machine;
import jhmm.kernel.MachineConfig;
import jhmm.phys.PhysicalMemory;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * Gives each test a fresh {@link Machine} (and, if asked for, a {@link DmaSystem} on it) as
 * {@link JhmmMachine} configures it, and after the test fails it when the machine does not
 * add up: a violation of {@link Machine#checkInvariants()} (the kernel's own invariants and
 * every coherence check a device registered), a GUP reference or pin still held, or a DMA
 * mapping still live. A test that leaves a pin or mapping on purpose releases it before it
 * returns.
 */
public final class JhmmExtension implements ParameterResolver, AfterEachCallback {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(JhmmExtension.class);

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        return (type == Machine.class || type == DmaSystem.class) && context.getTestMethod().isPresent();
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        Machine machine = machine(context);
        if (parameter.getParameter().getType() == Machine.class) {
            return machine;
        }
        return store(context).computeIfAbsent(DmaSystem.class,
                k -> new DmaSystem(machine.physicalMemory(), machine.config().iommu()), DmaSystem.class);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        Machine machine = store(context).get(Machine.class, Machine.class);
        if (machine == null) {
            return; // the test took no machine
        }
        List<String> problems = new ArrayList<>(machine.checkInvariants());
        long refs = machine.physicalMemory().externalRefs();
        if (refs != 0) {
            problems.add(refs + " page references still held by GUP (1 per get_user_pages page, "
                    + PhysicalMemory.GUP_PIN_COUNTING_BIAS + " per pinned page): a leaked get or pin");
        }
        DmaSystem dma = store(context).get(DmaSystem.class, DmaSystem.class);
        if (dma != null) {
            problems.addAll(dma.leaks());
        }
        if (!problems.isEmpty()) {
            throw new AssertionError("the machine does not add up after the test:\n  " + String.join("\n  ", problems));
        }
    }

    private static Machine machine(ExtensionContext context) {
        return store(context).computeIfAbsent(Machine.class, k -> new Machine(config(context)), Machine.class);
    }

    /** One store per test method, shared by its {@code @BeforeEach} methods. */
    private static ExtensionContext.Store store(ExtensionContext context) {
        return context.getStore(NS);
    }

    /** The method's annotation, else the nearest class's, else the defaults. */
    static MachineConfig config(ExtensionContext context) {
        Optional<JhmmMachine> onMethod = context.getTestMethod().flatMap(m -> AnnotationSupport.findAnnotation(m, JhmmMachine.class));
        JhmmMachine a = onMethod.or(() -> context.getTestClass().flatMap(c -> AnnotationSupport.findAnnotation(c, JhmmMachine.class)))
                .orElse(null);
        if (a == null) {
            return MachineConfig.defaults();
        }
        return MachineConfig.defaults()
                .withRam(ByteSize.require(a.ram()))
                .withSwap(ByteSize.require(a.swap()))
                .withThp(a.thp())
                .withHugetlb(a.hugetlb2m(), 0)
                .withIommu(a.iommu());
    }
}
